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
import nl.koers.core.exportFileName
import nl.koers.core.SyncStatus
import nl.koers.kit.DossierRepository
import nl.koers.kit.EnrolmentForm

class SettingsViewModel(private val repo: DossierRepository, private val cacheDir: File) : KoersViewModel() {
    val syncStatus: StateFlow<SyncStatus?> = repo.syncStatus

    /** The enrolment form: fields, scan and submit live in the tested kit. */
    val form = EnrolmentForm()
    val server: StateFlow<String> = form.server
    val code: StateFlow<String> = form.code
    val problem: StateFlow<String?> = form.problem
    private val _busy = MutableStateFlow(false)
    val busy: StateFlow<Boolean> = _busy.asStateFlow()
    private val _exported = MutableStateFlow<File?>(null)
    /** A file ready to share; the screen opens the share sheet and calls [exportShared]. */
    val exported: StateFlow<File?> = _exported.asStateFlow()

    fun setServer(value: String) = form.setServer(value)
    fun setCode(value: String) = form.setCode(value)

    /** A scanned text: a bare code, or a link that also carries the bureau's address. */
    fun scanned(text: String): Boolean = form.scanned(text)

    fun enrol() = busy { form.submit(repo, "${Build.MANUFACTURER} ${Build.MODEL}") }

    fun syncNow() = busy { repo.syncNow() }

    fun signOut(wipe: Boolean) = busy { repo.signOut(wipe) }

    fun export(format: ExportFormat) = busy {
        val dir = File(cacheDir, "exports").apply { mkdirs() }
        val name = exportFileName(format)
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
