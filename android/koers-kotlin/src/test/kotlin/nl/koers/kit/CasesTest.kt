// The shared tables of cases in tests/cases/, which the core's own tests and KoersKit's
// Swift tests read too: the same inputs must give the same answers on every platform.
package nl.koers.kit

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.fail
import nl.koers.core.KoersException
import nl.koers.core.inputFieldLabel
import nl.koers.core.parseEnrolmentInput
import nl.koers.core.sharedLink

/** The rows of tests/cases/[name] (tab-separated; comments and blank lines left out). */
fun caseRows(name: String): List<Pair<Int, List<String>>> {
    var dir: File? = File(".").absoluteFile
    while (dir != null && !File(dir, "tests/cases/$name").isFile) dir = dir.parentFile
    val file = File(dir ?: fail("tests/cases/$name not found above ${File(".").absolutePath}"), "tests/cases/$name")
    return file.readLines().withIndex()
        .filter { (_, line) -> !line.startsWith("#") && line.isNotBlank() }
        .map { (i, line) -> (i + 1) to line.split('\t') }
}

class CasesTest {
    @Test
    fun enrolmentInputReadsAsInTheSharedTable() {
        val rows = caseRows("enrolment.tsv")
        assertTrue(rows.size >= 10)
        for ((line, cols) in rows) {
            assertEquals(4, cols.size, "line $line")
            val (input, fallback, code, server) = cols
            val parsed = runCatching { parseEnrolmentInput(input, fallback.ifEmpty { null }) }
            if (code.startsWith("!")) {
                val e = parsed.exceptionOrNull()
                assertTrue(e is KoersException.InvalidInput, "line $line: expected a refusal, got $parsed")
                assertTrue(e.message.orEmpty().startsWith(inputFieldLabel(code.drop(1)) + ":"), "line $line: ${e.message}")
            } else {
                val got = parsed.getOrElse { fail("line $line: ${it.message}") }
                assertEquals(code, got.code, "line $line")
                assertEquals(server.ifEmpty { null }, got.serverUrl, "line $line")
            }
        }
    }

    @Test
    fun sharedTextGivesTheLinkInTheSharedTable() {
        val rows = caseRows("shared_link.tsv")
        assertTrue(rows.size >= 5)
        for ((line, cols) in rows) {
            assertEquals(cols.getOrElse(1) { "" }.ifEmpty { null }, sharedLink(cols[0]), "line $line")
        }
    }
}
