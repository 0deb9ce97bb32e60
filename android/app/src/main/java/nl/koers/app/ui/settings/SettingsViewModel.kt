// Settings: enrol with the bureau (typed or scanned code), the sync status, sync now,
// export for the re-integratieverslag, sign out.
package nl.koers.app.ui.settings

import android.os.Build
import java.io.File
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import nl.koers.app.ui.KoersViewModel
import nl.koers.core.ExportFormat
import nl.koers.core.SyncStatus
import nl.koers.kit.DossierRepository
import nl.koers.kit.EnrolmentCode

class SettingsViewModel(private val repo: DossierRepository, private val cacheDir: File) : KoersViewModel() {
    val syncStatus: StateFlow<SyncStatus?> = repo.syncStatus

    private val _server = MutableStateFlow("")
    val server: StateFlow<String> = _server.asStateFlow()
    private val _code = MutableStateFlow("")
    val code: StateFlow<String> = _code.asStateFlow()
    private val _busy = MutableStateFlow(false)
    val busy: StateFlow<Boolean> = _busy.asStateFlow()
    private val _exported = MutableStateFlow<File?>(null)
    /** A file ready to share; the screen opens the share sheet and calls [exportShared]. */
    val exported: StateFlow<File?> = _exported.asStateFlow()

    fun setServer(value: String) { _server.value = value }
    fun setCode(value: String) { _code.value = value }

    /** A scanned text: a bare code, or a link that also carries the bureau's address. */
    fun scanned(text: String): Boolean {
        val parsed = EnrolmentCode.parse(text) ?: return false
        _code.value = parsed.code
        parsed.server?.let { _server.value = it }
        return true
    }

    fun enrol() = busy {
        val code = EnrolmentCode.parse(_code.value)?.code ?: _code.value // the core names a bad code
        repo.enrol(_server.value.trim(), code, "${Build.MANUFACTURER} ${Build.MODEL}")
        repo.syncNow()
        _code.value = ""
    }

    fun syncNow() = busy { repo.syncNow() }

    fun signOut(wipe: Boolean) = busy { repo.signOut(wipe) }

    fun export(format: ExportFormat) = busy {
        val dir = File(cacheDir, "exports").apply { mkdirs() }
        val name = when (format) {
            ExportFormat.CSV -> "sollicitaties.csv"
            ExportFormat.HTML -> "re-integratieverslag.html"
            ExportFormat.ICS -> "afspraken.ics"
        }
        val file = File(dir, name)
        repo.exportToFile(format, file.absolutePath)
        _exported.value = file
    }

    fun exportShared() { _exported.value = null }

    private fun busy(block: suspend () -> Unit) {
        _busy.value = true
        write(onDone = { _busy.value = false }) {
            try { block() } finally { _busy.value = false }
        }
    }
}
