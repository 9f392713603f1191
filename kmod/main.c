// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: IPsec (ESP) with its own SPD and SAD, per network namespace.
 *
 * Module and namespace life cycle.  Init registers, in order, the SA free
 * workqueue, the per-namespace state and the netlink family; exit undoes
 * them in reverse.  A namespace's hooks exist from its first configuration
 * until the namespace goes away (or the module does).
 */
#include <linux/module.h>
#include <linux/wait_bit.h>
#include <linux/kipsec.h>
#include <net/genetlink.h>

#include "hooks.h"
#include "kipsec.h"
#include "lifetime.h"
#include "natflow.h"
#include "netlink.h"
#include "sock.h"

unsigned int kipsec_net_id __read_mostly;
struct workqueue_struct *kipsec_wq;

static int __net_init kipsec_net_init(struct net *net)
{
	struct kipsec_net *kn = kipsec_net(net);
	int err;

	kn->net = net;
	mutex_init(&kn->lock);
	kn->hooks_on = false;
	kn->gen = 1;	/* never 0: netlink dumps read 0 as "no generation" */
	atomic_set(&kn->inflight, 0);
	kn->stats = alloc_percpu(struct kipsec_stats);
	if (!kn->stats)
		return -ENOMEM;
	err = kipsec_sad_init(&kn->sad);
	if (err) {
		free_percpu(kn->stats);
		return err;
	}
	err = kipsec_natflow_init(kn);
	if (err) {
		kipsec_sad_destroy(&kn->sad);
		free_percpu(kn->stats);
		return err;
	}
	kipsec_spd_init(&kn->spd);
	INIT_DELAYED_WORK(&kn->life_work, kipsec_life_work);
	INIT_LIST_HEAD(&kn->socks);
	return 0;
}

static void __net_exit kipsec_net_exit(struct net *net)
{
	struct kipsec_net *kn = kipsec_net(net);
	struct kipsec_policy *pol;
	struct kipsec_sa *sa;
	unsigned long id;

	/* no new packet enters; wait for those inside crypto to finish */
	mutex_lock(&kn->lock);
	kipsec_hooks_disable(kn);
	kipsec_sock_flush(kn);
	mutex_unlock(&kn->lock);
	/* ESP-in-UDP datagrams inside kipsec_natt_rcv() are counted now */
	synchronize_net();
	wait_var_event(&kn->inflight, !atomic_read(&kn->inflight));
	/* nothing kicks the expiry work any more */
	cancel_delayed_work_sync(&kn->life_work);
	kipsec_natflow_destroy(kn);

	mutex_lock(&kn->lock);
	xa_for_each(&kn->spd.byindex, id, pol)
		kipsec_spd_remove(&kn->spd, pol);
	xa_for_each(&kn->sad.byid, id, sa)
		kipsec_sad_remove(&kn->sad, sa);
	mutex_unlock(&kn->lock);

	kipsec_spd_destroy(&kn->spd);
	kipsec_sad_destroy(&kn->sad);
	free_percpu(kn->stats);
}

static struct pernet_operations kipsec_net_ops = {
	.init = kipsec_net_init,
	.exit = kipsec_net_exit,
	.id = &kipsec_net_id,
	.size = sizeof(struct kipsec_net),
};

static int __init kipsec_init(void)
{
	int err;

	kipsec_wq = alloc_workqueue("kipsec", 0, 0);
	if (!kipsec_wq)
		return -ENOMEM;
	err = register_pernet_subsys(&kipsec_net_ops);
	if (err)
		goto err_wq;
	err = kipsec_nl_register();
	if (err)
		goto err_pernet;
	return 0;

err_pernet:
	unregister_pernet_subsys(&kipsec_net_ops);
err_wq:
	destroy_workqueue(kipsec_wq);
	return err;
}

static void __exit kipsec_exit(void)
{
	kipsec_nl_unregister();
	unregister_pernet_subsys(&kipsec_net_ops);
	/* policy frees and the grace periods of SA and SPD shape frees ... */
	rcu_barrier();
	/* ... then the SA and shape frees themselves */
	destroy_workqueue(kipsec_wq);
}

module_init(kipsec_init);
module_exit(kipsec_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kipsec: IPsec ESP with its own SPD and SAD");
MODULE_AUTHOR("kipsec developers");
MODULE_ALIAS_GENL_FAMILY(KIPSEC_FAMILY_NAME);
