// The enrolment form's state (the bureau's address and the code, typed or scanned) and what
// its buttons do. Reading the input is the core's (`parseEnrolmentInput`), so a scanned
// code reads the same on Android and iOS; this only holds the fields.
package nl.koers.kit

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import nl.koers.core.EnrolmentInfo
import nl.koers.core.KoersException
import nl.koers.core.parseEnrolmentInput

class EnrolmentForm {
    private val _server = MutableStateFlow("")
    private val _code = MutableStateFlow("")
    private val _problem = MutableStateFlow<String?>(null)

    val server: StateFlow<String> = _server.asStateFlow()
    val code: StateFlow<String> = _code.asStateFlow()
    /** Why the last scan or enrolment failed, in the core's words; null when all is well. */
    val problem: StateFlow<String?> = _problem.asStateFlow()

    fun setServer(value: String) { _server.value = value; _problem.value = null }
    fun setCode(value: String) { _code.value = value; _problem.value = null }

    /** A scanned or pasted text: fills the code, and the server when the text names one. */
    fun scanned(text: String): Boolean = try {
        val input = parseEnrolmentInput(text, _server.value.ifBlank { null })
        _code.value = input.code
        input.serverUrl?.let { _server.value = it }
        _problem.value = null
        true
    } catch (e: KoersException) {
        _problem.value = e.message
        false
    }

    /**
     * Enrols with what the form holds, then syncs once; clears the code when linked. Throws
     * the core's exception (and shows it as [problem]) when the input or the bureau refuses.
     */
    suspend fun submit(repo: DossierRepository, deviceName: String): EnrolmentInfo {
        try {
            val input = parseEnrolmentInput(_code.value, _server.value.ifBlank { null })
            val server = input.serverUrl
                ?: throw KoersException.InvalidInput("server: vul het adres van je bureau in")
            val info = repo.enrol(server, input.code, deviceName)
            _code.value = ""
            _problem.value = null
            runCatching { repo.syncNow() } // the status card tells how the first sync went
            return info
        } catch (e: KoersException) {
            _problem.value = e.message
            throw e
        }
    }
}
