/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Private to tools/lib: not part of the library's API. */
#ifndef KIPSEC_NL_INTERNAL_H
#define KIPSEC_NL_INTERNAL_H

#include "kipsec_nl.h"

/*
 * Like kipsec_attr_path(), and if the attribute at @off is a nest, set
 * *nest to its attribute set (else leave it alone).
 */
int kipsec_attr_locate(const struct nlmsghdr *nlh, uint32_t off,
		       char *buf, size_t len, enum kipsec_attr_set *nest);

#endif /* KIPSEC_NL_INTERNAL_H */
