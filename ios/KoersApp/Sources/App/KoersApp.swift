// The app's entry: opens the dossier, shows the tabs, syncs in the background.
import KoersKit
import SwiftUI

@main
struct KoersApp: App {
    @State private var model = AppModel()
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            RootView()
                .environment(model)
                .task { await model.start() }
                .onOpenURL { url in model.pendingEnrolment = EnrolmentRequest.parse(url.absoluteString) }
        }
        .onChange(of: scenePhase) { _, phase in
            switch phase {
            case .active: Task { await model.becameActive() }
            case .background: BackgroundSync.schedule()
            default: break
            }
        }
        // BGTaskScheduler app refresh; SwiftUI registers the identifier from Info.plist.
        .backgroundTask(.appRefresh(BackgroundSync.identifier)) {
            await model.backgroundRefresh()
        }
    }
}
