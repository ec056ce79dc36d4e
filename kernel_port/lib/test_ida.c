// SPDX-License-Identifier: GPL-2.0
/*
 * test_ida: the 2013 ida interface held to its contract, from inside the
 * kernel, as lib/test_*.c modules do: lowest free id at or above the start,
 * -EAGAIN until ida_pre_get() has run, growth across leaves and layers up to
 * INT_MAX, full subtrees skipped and reopened, nothing left after destroy.
 */
#include <linux/bug.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/idr.h>

static int ida_failures;

#define IDA_CHECK(cond) do {						\
	if (!(cond)) {							\
		pr_err("test_ida: %s:%d: %s\n", __func__, __LINE__, #cond); \
		ida_failures++;						\
	}								\
} while (0)

static int ida_get(struct ida *ida, int start)
{
	int id, err;

	do {
		if (!ida_pre_get(ida, GFP_KERNEL))
			return -ENOMEM;
		err = ida_get_new_above(ida, start, &id);
	} while (err == -EAGAIN);
	return err ? err : id;
}

static void ida_check_stock(void)
{
	struct ida ida;
	int id;

	ida_init(&ida);
	IDA_CHECK(ida_get_new_above(&ida, 0, &id) == -EAGAIN);
	IDA_CHECK(ida_get_new_above(&ida, -1, &id) == -EINVAL);
	IDA_CHECK(ida_pre_get(&ida, GFP_KERNEL) == 1);
	IDA_CHECK(ida_get_new(&ida, &id) == 0 && id == 0);
	/* the spare leaf went to id 0: the next leaf needs another pre_get */
	IDA_CHECK(ida_get_new_above(&ida, 2 * IDA_BITMAP_BITS, &id) == -EAGAIN);
	IDA_CHECK(ida_next_free(&ida, 0) == 1);
	ida_destroy(&ida);
}

static void ida_check_above(void)
{
	struct ida ida;
	int i;

	ida_init(&ida);
	for (i = 0; i < 10; i++)
		IDA_CHECK(ida_get(&ida, 0) == i);
	IDA_CHECK(ida_get(&ida, 5) == 10);
	ida_remove(&ida, 7);
	IDA_CHECK(ida_get(&ida, 5) == 7);
	IDA_CHECK(ida_get(&ida, 1000) == 1000);
	IDA_CHECK(ida_get(&ida, 70000) == 70000);	/* a second layer */
	IDA_CHECK(ida_get(&ida, 0) == 11);
	IDA_CHECK(ida_next_free(&ida, 1000) == 1001);
	ida_remove(&ida, 1000);
	ida_remove(&ida, 70000);
	IDA_CHECK(ida_next_free(&ida, 12) == 12);
	IDA_CHECK(ida_get(&ida, 999) == 999);
	ida_destroy(&ida);
}

/* Fill two leaves: the full one is skipped, and reopens on a remove. */
static void ida_check_full_leaves(void)
{
	struct ida ida;
	int i;

	ida_init(&ida);
	for (i = 0; i < 2 * IDA_BITMAP_BITS; i++)
		IDA_CHECK(ida_get(&ida, 0) == i);
	IDA_CHECK(ida_get(&ida, 0) == 2 * IDA_BITMAP_BITS);
	ida_remove(&ida, 1500);
	IDA_CHECK(ida_get(&ida, 0) == 1500);
	for (i = 0; i <= 2 * IDA_BITMAP_BITS; i++)
		ida_remove(&ida, i);
	IDA_CHECK(ida_get(&ida, 0) == 0);
	ida_destroy(&ida);
}

/* A full tree grows a layer; a full top is a full slot 0 of the new one. */
static void ida_check_full_tree(void)
{
	long capacity = (long)IDA_BITMAP_BITS << IDA_LAYER_SHIFT;
	struct ida ida;
	long i;

	ida_init(&ida);
	for (i = 0; i < capacity; i++)
		if (ida_get(&ida, 0) != i) {
			IDA_CHECK(false);
			break;
		}
	IDA_CHECK(ida.layers == 1 && ida.top->full == ~0UL);
	IDA_CHECK(ida_next_free(&ida, 0) == capacity);
	IDA_CHECK(ida_next_free(&ida, capacity + 5) == capacity + 5);
	IDA_CHECK(ida_get(&ida, 0) == capacity);
	IDA_CHECK(ida.layers == 2 && test_bit(0, &ida.top->full));
	ida_remove(&ida, 4321);
	IDA_CHECK(!test_bit(0, &ida.top->full));
	IDA_CHECK(ida_get(&ida, 0) == 4321);
	ida_destroy(&ida);
}

static void ida_check_limits(void)
{
	struct ida ida;

	ida_init(&ida);
	IDA_CHECK(ida_get(&ida, INT_MAX) == INT_MAX);	/* every layer */
	IDA_CHECK(ida_get(&ida, INT_MAX) == -ENOSPC);
	IDA_CHECK(ida_get(&ida, INT_MAX - 1) == INT_MAX - 1);
	IDA_CHECK(ida_get(&ida, 0) == 0);
	ida_remove(&ida, INT_MAX);
	IDA_CHECK(ida_get(&ida, INT_MAX) == INT_MAX);
	ida_destroy(&ida);
}

/**
 * test_ida() - run every check; pr_err() names each that fails
 * @remove_unallocated: also remove five ids never given out (five WARNs)
 *
 * Return: how many checks failed.
 */
long test_ida(long remove_unallocated)
{
	ida_failures = 0;
	ida_check_stock();
	ida_check_above();
	ida_check_full_leaves();
	ida_check_full_tree();
	ida_check_limits();
	if (remove_unallocated) {
		struct ida ida;

		ida_init(&ida);
		ida_remove(&ida, 0);		/* no tree at all */
		IDA_CHECK(ida_get(&ida, 0) == 0);
		ida_remove(&ida, 3);		/* a clear bit */
		ida_remove(&ida, 5000);		/* no leaf there */
		ida_remove(&ida, 70000);	/* beyond the tree */
		ida_remove(&ida, -1);
		ida_destroy(&ida);
	}
	return ida_failures;
}
