// Decides which of the core's due reminders still need a notification: the core gives
// stable ids (a changed date gives a new id), the shell must notify once per id.
package nl.koers.kit

import nl.koers.core.Reminder

/** Where the ids already notified are kept (SharedPreferences on Android, memory in tests). */
interface NotifiedIds {
    fun load(): Set<String>
    fun save(ids: Set<String>)
}

class InMemoryNotifiedIds(initial: Set<String> = emptySet()) : NotifiedIds {
    @Volatile private var ids: Set<String> = initial
    override fun load(): Set<String> = ids
    override fun save(ids: Set<String>) { this.ids = ids }
}

class ReminderTracker(private val store: NotifiedIds) {
    /**
     * The reminders of [due] not notified before, and remembers them as notified. Ids that are
     * no longer due are forgotten, so the stored set stays as small as the due list (a thing
     * that is due again later comes back with a new id anyway, because its date changed).
     */
    @Synchronized
    fun toNotify(due: List<Reminder>): List<Reminder> {
        val seen = store.load()
        val fresh = due.filter { it.id !in seen }.distinctBy { it.id }
        val dueIds = due.mapTo(mutableSetOf()) { it.id }
        val keep = seen.filterTo(mutableSetOf()) { it in dueIds } + fresh.map { it.id }
        if (keep != seen) store.save(keep)
        return fresh
    }
}
