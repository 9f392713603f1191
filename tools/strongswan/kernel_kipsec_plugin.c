// SPDX-License-Identifier: GPL-2.0
/*
 * The charon plugin "kernel-kipsec" (libstrongswan-kernel-kipsec.so): it
 * provides the "kernel-ipsec" feature over kipsec.  charon takes the first
 * kernel-ipsec that registers, so this plugin is loaded before
 * kernel-netlink, which stays for routes and addresses ("kernel-net").
 * Without the kipsec module the constructor fails, the feature does not
 * load, and kernel-netlink's XFRM backend takes over (logged).
 */
#include "kernel_kipsec.h"

plugin_t *kernel_kipsec_plugin_create(void);

static char *kk_plugin_get_name(plugin_t *plugin)
{
	(void)plugin;
	return "kernel-kipsec";
}

static int kk_plugin_get_features(plugin_t *plugin, plugin_feature_t *features[])
{
	static plugin_feature_t f[] = {
		PLUGIN_CALLBACK(kernel_ipsec_register, kernel_kipsec_ipsec_create),
			PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
	};

	(void)plugin;
	*features = f;
	return countof(f);
}

static void kk_plugin_destroy(plugin_t *plugin)
{
	free(plugin);
}

plugin_t *kernel_kipsec_plugin_create(void)
{
	plugin_t *this;

	if (!lib->caps->keep(lib->caps, CAP_NET_ADMIN))
		DBG1(DBG_KNL, "kipsec: charon lacks CAP_NET_ADMIN: kipsec will refuse its requests");
	INIT(this,
		.get_name = kk_plugin_get_name,
		.get_features = kk_plugin_get_features,
		.destroy = kk_plugin_destroy,
	);
	return this;
}
