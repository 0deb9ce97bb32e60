// Shared helpers of the JVM tests: a fresh dossier in a temporary folder, an observer that
// records what it is told, and waiting for a flow or a condition with a time limit.
package nl.koers.kit

import java.io.File
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import nl.koers.core.DossierObserver
import nl.koers.core.Koers
import nl.koers.core.Topic

/** A core opened on a new database file; [close] destroys the core and deletes the folder. */
class TempDossier : AutoCloseable {
    val dir: File = Files.createTempDirectory("koers-kt").toFile()
    val path: String = File(dir, "koers.db").absolutePath
    val koers: Koers = Koers.open(path)

    override fun close() {
        koers.close()
        dir.deleteRecursively()
    }
}

/** Remembers every call of the change callback. */
class TopicRecorder : DossierObserver {
    val calls = CopyOnWriteArrayList<List<Topic>>()
    override fun onChange(topics: List<Topic>) { calls += topics }
    fun all(): Set<Topic> = calls.flatten().toSet()
    fun clear() = calls.clear()
}

const val WAIT_MS = 10_000L

/** The first value of [flow] that satisfies [predicate], failing after [WAIT_MS]. */
suspend fun <T> Flow<T>.await(what: String, predicate: (T) -> Boolean): T =
    try {
        withTimeout(WAIT_MS) { first(predicate) }
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        throw AssertionError("timed out waiting for $what", e)
    }

/** Polls [condition] until it holds, failing after [WAIT_MS]. */
fun eventually(what: String, condition: () -> Boolean) = runBlocking {
    val deadline = System.currentTimeMillis() + WAIT_MS
    while (!condition()) {
        if (System.currentTimeMillis() > deadline) throw AssertionError("timed out waiting for $what")
        delay(20)
    }
}
