// The single activity: a Material 3 scaffold with bottom navigation between the screens.
package nl.koers.app

import nl.koers.app.work.BackgroundWork
import nl.koers.core.sharedLink
import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.List
import androidx.compose.material.icons.filled.Book
import androidx.compose.material.icons.filled.Event
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.Timeline
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.dynamicLightColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.lifecycleScope
import androidx.navigation.NavDestination.Companion.hierarchy
import androidx.navigation.NavGraph.Companion.findStartDestination
import androidx.navigation.NavType
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.currentBackStackEntryAsState
import androidx.navigation.compose.rememberNavController
import androidx.navigation.navArgument
import kotlinx.coroutines.launch
import nl.koers.app.ui.applications.ApplicationDetailScreen
import nl.koers.app.ui.applications.ApplicationsScreen
import nl.koers.app.ui.appointments.AppointmentsScreen
import nl.koers.app.ui.journal.JournalScreen
import nl.koers.app.ui.settings.ScanCodeScreen
import nl.koers.app.ui.settings.SettingsScreen
import nl.koers.app.ui.today.TodayScreen
import nl.koers.app.ui.trajectory.TrajectoryScreen

private enum class Tab(val route: String, val label: Int, val icon: ImageVector) {
    TODAY("today", R.string.nav_today, Icons.Filled.Home),
    APPLICATIONS("applications", R.string.nav_applications, Icons.AutoMirrored.Filled.List),
    APPOINTMENTS("appointments", R.string.nav_appointments, Icons.Filled.Event),
    TRAJECTORY("trajectory", R.string.nav_trajectory, Icons.Filled.Timeline),
    JOURNAL("journal", R.string.nav_journal, Icons.Filled.Book),
    SETTINGS("settings", R.string.nav_settings, Icons.Filled.Settings),
}

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        handleShare(intent)
        setContent { KoersTheme { KoersNavigation() } }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handleShare(intent)
    }

    override fun onStart() {
        super.onStart()
        // A new day may have started since the screens were loaded.
        (application as KoersApp).repository.refreshAll()
    }

    // A vacancy link shared from the browser: logged at once, details filled in when online.
    private fun handleShare(intent: Intent?) {
        if (intent?.action != Intent.ACTION_SEND) return
        val text = intent.getStringExtra(Intent.EXTRA_TEXT) ?: return
        val url = sharedLink(text) ?: return
        val repo = (application as KoersApp).repository
        lifecycleScope.launch {
            runCatching { repo.logFromLink(url) }
            BackgroundWork.enrichSoon(this@MainActivity) // details once online
        }
    }
}

@Composable
fun KoersTheme(content: @Composable () -> Unit) {
    val context = LocalContext.current
    val colors = if (android.os.Build.VERSION.SDK_INT >= 31) dynamicLightColorScheme(context)
    else lightColorScheme(primary = Color(0xFF00695C), secondary = Color(0xFFFFB300))
    MaterialTheme(colorScheme = colors, content = content)
}

@Composable
private fun KoersNavigation() {
    val nav = rememberNavController()
    val backStack by nav.currentBackStackEntryAsState()
    Scaffold(
        bottomBar = {
            NavigationBar {
                Tab.entries.forEach { tab ->
                    NavigationBarItem(
                        selected = backStack?.destination?.hierarchy?.any { it.route == tab.route } == true,
                        onClick = {
                            nav.navigate(tab.route) {
                                popUpTo(nav.graph.findStartDestination().id) { saveState = true }
                                launchSingleTop = true
                                restoreState = true
                            }
                        },
                        icon = { Icon(tab.icon, contentDescription = null) },
                        label = { Text(stringResource(tab.label), maxLines = 1) },
                    )
                }
            }
        },
    ) { padding ->
        NavHost(nav, startDestination = Tab.TODAY.route, modifier = Modifier.padding(padding)) {
            composable(Tab.TODAY.route) { TodayScreen(onOpenApplication = { nav.navigate("application/$it") }) }
            composable(Tab.APPLICATIONS.route) { ApplicationsScreen(onOpen = { nav.navigate("application/$it") }) }
            composable(
                "application/{id}",
                arguments = listOf(navArgument("id") { type = NavType.StringType }),
            ) { entry ->
                ApplicationDetailScreen(id = entry.arguments?.getString("id").orEmpty(), onBack = { nav.popBackStack() })
            }
            composable(Tab.APPOINTMENTS.route) { AppointmentsScreen() }
            composable(Tab.TRAJECTORY.route) { TrajectoryScreen() }
            composable(Tab.JOURNAL.route) { JournalScreen() }
            composable(Tab.SETTINGS.route) { entry ->
                val scanned = entry.savedStateHandle.get<String>(ScanCodeScreen.RESULT)
                SettingsScreen(
                    scannedText = scanned,
                    onScannedConsumed = { entry.savedStateHandle.remove<String>(ScanCodeScreen.RESULT) },
                    onScan = { nav.navigate("scan") },
                )
            }
            composable("scan") {
                ScanCodeScreen(onResult = { text ->
                    nav.previousBackStackEntry?.savedStateHandle?.set(ScanCodeScreen.RESULT, text)
                    nav.popBackStack()
                }, onBack = { nav.popBackStack() })
            }
        }
    }
}
