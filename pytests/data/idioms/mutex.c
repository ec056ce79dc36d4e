/* <linux/mutex.h>: DEFINE_MUTEX, mutex_init, lock/trylock/unlock, lockdep_assert_held */
#include <linux/mutex.h>

static DEFINE_MUTEX(probe_lock);

struct dev {
	struct mutex lock;
	int users;
};

int probe(struct dev *d)
{
	mutex_init(&d->lock);
	mutex_lock(&probe_lock);
	if (mutex_trylock(&d->lock)) {
		lockdep_assert_held(&d->lock);
		d->users++;
		mutex_unlock(&d->lock);
	}
	mutex_unlock(&probe_lock);
	return mutex_lock_interruptible(&d->lock) ?: (mutex_unlock(&d->lock), d->users);
}
