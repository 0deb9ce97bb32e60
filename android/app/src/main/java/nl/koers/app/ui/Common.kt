// What every screen shares: reaching the repository from a ViewModel factory, running a
// write and turning the core's exception into a message, and showing that message.
package nl.koers.app.ui

import androidx.compose.material3.SnackbarHostState
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.CreationExtras
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import nl.koers.app.KoersApp
import nl.koers.app.R
import nl.koers.core.KoersException

fun CreationExtras.koersApp(): KoersApp = this[ViewModelProvider.AndroidViewModelFactory.APPLICATION_KEY] as KoersApp

/** A ViewModel whose writes report the core's refusal (its message) instead of crashing. */
abstract class KoersViewModel : ViewModel() {
    private val _error = MutableStateFlow<String?>(null)
    val error: StateFlow<String?> = _error.asStateFlow()

    fun errorShown() { _error.value = null }

    protected fun write(onDone: () -> Unit = {}, block: suspend () -> Unit) {
        viewModelScope.launch {
            try {
                block()
                onDone()
            } catch (e: KoersException) {
                _error.value = e.message ?: e.javaClass.simpleName
            }
        }
    }
}

/** Shows the view model's last error once in [snackbar]. */
@Composable
fun ErrorSnackbar(vm: KoersViewModel, snackbar: SnackbarHostState) {
    val error by vm.error.collectAsStateWithLifecycle()
    val text = error?.let { stringResource(R.string.error_message, it) }
    LaunchedEffect(text) {
        if (text != null) {
            snackbar.showSnackbar(text)
            vm.errorShown()
        }
    }
}
