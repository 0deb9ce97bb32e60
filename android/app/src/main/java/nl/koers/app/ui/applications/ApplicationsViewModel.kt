// The applications list (with search and status filter), the quick-add, and one
// application's detail with its status history and the coach's comments.
package nl.koers.app.ui.applications

import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.onStart
import kotlinx.coroutines.launch
import nl.koers.app.ui.KoersViewModel
import nl.koers.core.Application
import nl.koers.core.ApplicationFilter
import nl.koers.core.ApplicationStatus
import nl.koers.core.Comment
import nl.koers.core.Topic
import nl.koers.kit.DossierRepository

class ApplicationsViewModel(private val repo: DossierRepository) : KoersViewModel() {
    val applications: StateFlow<List<Application>> = repo.applications
    val filter: StateFlow<ApplicationFilter> = repo.filter

    fun search(text: String) = repo.search(text)

    fun toggleStatus(status: ApplicationStatus) = repo.toggleStatus(status)

    fun toggleFollowUp() = repo.toggleFollowUp()

    /** Only employer and role; the core fills in today's date and "applied". */
    fun quickAdd(employer: String, role: String, onSaved: () -> Unit) =
        write(onDone = onSaved) { repo.quickAdd(employer, role) }
}

class ApplicationDetailViewModel(private val repo: DossierRepository, private val id: String) : KoersViewModel() {
    private val _application = MutableStateFlow<Application?>(null)
    val application: StateFlow<Application?> = _application.asStateFlow()
    private val _comments = MutableStateFlow<List<Comment>>(emptyList())
    val comments: StateFlow<List<Comment>> = _comments.asStateFlow()

    init {
        viewModelScope.launch {
            repo.changes
                .filter { Topic.APPLICATIONS in it || Topic.COMMENTS in it }
                .onStart { emit(emptySet()) }
                .collect { load() }
        }
    }

    private suspend fun load() {
        try {
            _application.value = repo.application(id)
            _comments.value = repo.comments(id)
        } catch (e: nl.koers.core.KoersException.NotFound) {
            _application.value = null // deleted, e.g. on another device
        }
    }

    fun setStatus(status: ApplicationStatus) = write { repo.setStatus(id, status) }
}
