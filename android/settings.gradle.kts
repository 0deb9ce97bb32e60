// The Android side of Koers: a pure-Kotlin library over the core (tested on the JVM) and the
// Compose app that uses it. Open this folder in Android Studio.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "Koers"
include(":koers-kotlin", ":app")
