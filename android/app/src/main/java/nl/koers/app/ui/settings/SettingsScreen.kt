// The settings screen; the scanner lives in ScanCodeScreen and hands its text back here.
package nl.koers.app.ui.settings

import androidx.compose.ui.res.pluralStringResource
import android.Manifest
import android.content.Intent
import android.os.Build
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.core.content.FileProvider
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import nl.koers.app.R
import nl.koers.app.ui.ErrorSnackbar
import nl.koers.app.ui.koersApp
import nl.koers.core.ExportFormat
import nl.koers.kit.Display

@Composable
fun SettingsScreen(
    scannedText: String?,
    onScannedConsumed: () -> Unit,
    onScan: () -> Unit,
    vm: SettingsViewModel = viewModel { koersApp().let { SettingsViewModel(it.repository, it.cacheDir) } },
) {
    val status by vm.syncStatus.collectAsStateWithLifecycle()
    val server by vm.server.collectAsStateWithLifecycle()
    val code by vm.code.collectAsStateWithLifecycle()
    val busy by vm.busy.collectAsStateWithLifecycle()
    val exported by vm.exported.collectAsStateWithLifecycle()
    var confirmWipe by remember { mutableStateOf(false) }
    var unreadable by remember { mutableStateOf(false) }
    val snackbar = remember { SnackbarHostState() }
    val context = LocalContext.current
    ErrorSnackbar(vm, snackbar)

    LaunchedEffect(scannedText) {
        if (scannedText != null) {
            unreadable = !vm.scanned(scannedText)
            onScannedConsumed()
        }
    }
    LaunchedEffect(exported) {
        val file = exported ?: return@LaunchedEffect
        val uri = FileProvider.getUriForFile(context, "${context.packageName}.exports", file)
        val send = Intent(Intent.ACTION_SEND)
            .setType(context.contentResolver.getType(uri) ?: "application/octet-stream")
            .putExtra(Intent.EXTRA_STREAM, uri)
            .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        context.startActivity(Intent.createChooser(send, context.getString(R.string.share_export)))
        vm.exportShared()
    }
    val notifications = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) {}

    Scaffold(snackbarHost = { SnackbarHost(snackbar) }) { padding ->
        Column(
            Modifier.padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            if (busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            val s = status
            if (s == null || !s.enrolled) {
                Text(stringResource(R.string.settings_link), style = MaterialTheme.typography.titleMedium)
                val codeHint: (@Composable () -> Unit)? =
                    if (unreadable) { { Text(stringResource(R.string.settings_code_unreadable)) } } else null
                OutlinedTextField(
                    server, vm::setServer, label = { Text(stringResource(R.string.settings_server)) }, singleLine = true,
                    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri), modifier = Modifier.fillMaxWidth(),
                )
                OutlinedTextField(
                    code, vm::setCode, label = { Text(stringResource(R.string.settings_code)) }, singleLine = true,
                    isError = unreadable,
                    supportingText = codeHint,
                    keyboardOptions = KeyboardOptions(capitalization = KeyboardCapitalization.Characters),
                    modifier = Modifier.fillMaxWidth(),
                )
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Button(onClick = vm::enrol, enabled = !busy) { Text(stringResource(R.string.settings_enrol)) }
                    OutlinedButton(onClick = onScan) { Text(stringResource(R.string.settings_scan)) }
                }
            } else {
                Text(stringResource(R.string.settings_sync), style = MaterialTheme.typography.titleMedium)
                Text(stringResource(R.string.settings_enrolled_to, s.serverUrl.orEmpty()))
                Text(s.lastSyncedAt?.let { stringResource(R.string.settings_last_synced, Display.dateTime(it)) } ?: stringResource(R.string.settings_never_synced))
                Text(pluralStringResource(R.plurals.settings_pending_changes, s.pendingChanges.toInt(), s.pendingChanges.toInt()))
                s.lastError?.let { Text(stringResource(R.string.settings_last_error, it), color = MaterialTheme.colorScheme.error) }
                Button(onClick = vm::syncNow, enabled = !busy) { Text(stringResource(R.string.settings_sync_now)) }
            }

            HorizontalDivider(Modifier.padding(vertical = 8.dp))
            Text(stringResource(R.string.settings_export), style = MaterialTheme.typography.titleMedium)
            OutlinedButton(onClick = { vm.export(ExportFormat.CSV) }) { Text(stringResource(R.string.settings_export_csv)) }
            OutlinedButton(onClick = { vm.export(ExportFormat.HTML) }) { Text(stringResource(R.string.settings_export_html)) }
            OutlinedButton(onClick = { vm.export(ExportFormat.ICS) }) { Text(stringResource(R.string.settings_export_ics)) }

            if (Build.VERSION.SDK_INT >= 33) {
                HorizontalDivider(Modifier.padding(vertical = 8.dp))
                OutlinedButton(onClick = { notifications.launch(Manifest.permission.POST_NOTIFICATIONS) }) {
                    Text(stringResource(R.string.settings_notifications))
                }
            }

            if (s?.enrolled == true) {
                HorizontalDivider(Modifier.padding(vertical = 8.dp))
                TextButton(onClick = { vm.signOut(wipe = false) }) { Text(stringResource(R.string.settings_sign_out)) }
            }
            TextButton(onClick = { confirmWipe = true }) {
                Text(stringResource(R.string.settings_sign_out_wipe), color = MaterialTheme.colorScheme.error)
            }
        }
    }

    if (confirmWipe) {
        AlertDialog(
            onDismissRequest = { confirmWipe = false },
            text = { Text(stringResource(R.string.settings_sign_out_confirm)) },
            confirmButton = { TextButton(onClick = { confirmWipe = false; vm.signOut(wipe = true) }) { Text(stringResource(R.string.settings_sign_out_wipe)) } },
            dismissButton = { TextButton(onClick = { confirmWipe = false }) { Text(stringResource(R.string.cancel)) } },
        )
    }
}
