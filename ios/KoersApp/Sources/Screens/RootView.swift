// The tabs (the same screens as the Android app) and the Today screen.
import KoersCore
import KoersKit
import SwiftUI

struct RootView: View {
    @Environment(AppModel.self) private var model

    var body: some View {
        Group {
            if let store = model.store {
                TabView {
                    TodayView(store: store).tabItem { Label("tab.today", systemImage: "sun.max") }
                    ApplicationsView(store: store).tabItem { Label("tab.applications", systemImage: "briefcase") }
                    AppointmentsView(store: store).tabItem { Label("tab.appointments", systemImage: "calendar") }
                    TrajectoryView(store: store).tabItem { Label("tab.trajectory", systemImage: "point.topleft.down.to.point.bottomright.curvepath") }
                    JournalView(store: store).tabItem { Label("tab.journal", systemImage: "book.closed") }
                    SettingsView(store: store).tabItem { Label("tab.settings", systemImage: "gearshape") }
                }
            } else if let error = model.openError {
                ContentUnavailableView("open.failed", systemImage: "exclamationmark.triangle", description: Text(verbatim: error))
            } else {
                ProgressView()
            }
        }
        .alert("error.title", isPresented: Binding(get: { model.alert != nil }, set: { if !$0 { model.alert = nil } })) {
            Button("common.ok", role: .cancel) {}
        } message: {
            Text(verbatim: model.alert ?? "")
        }
    }
}

struct TodayView: View {
    let store: DossierStore

    var body: some View {
        NavigationStack {
            List {
                if let today = store.today {
                    Section("today.week") {
                        let week = today.thisWeek
                        LabeledContent("today.applications_this_week", value: "\(week.applications) / \(week.target)")
                        ProgressView(value: Double(min(week.applications, max(week.target, 1))), total: Double(max(week.target, 1)))
                            .tint(week.met ? .green : .accentColor)
                        if let streak = store.progress?.currentStreak, streak > 0 {
                            Text("today.streak \(Int(streak))")
                        }
                    }
                    if let next = today.nextAppointment {
                        Section("today.next_appointment") { AppointmentRow(appointment: next) }
                    }
                    if !today.followUpsDue.isEmpty {
                        Section("today.follow_ups") {
                            ForEach(today.followUpsDue, id: \.id) { ApplicationRow(application: $0) }
                        }
                    }
                    if let milestone = today.nextMilestone {
                        Section("today.next_milestone") { MilestoneRow(milestone: milestone) }
                    }
                    if !today.openActions.isEmpty {
                        Section("today.open_actions") {
                            ForEach(today.openActions, id: \.id) { ActionRow(store: store, action: $0) }
                        }
                    }
                }
            }
            .navigationTitle("tab.today")
            .refreshable { _ = try? await store.syncNow() }
        }
    }
}

struct ActionRow: View {
    @Environment(AppModel.self) private var model
    let store: DossierStore
    let action: KoersCore.Action

    var body: some View {
        Button {
            model.run { try await $0.setActionDone(id: action.id, !action.done) }
        } label: {
            HStack {
                Image(systemName: action.done ? "checkmark.circle.fill" : "circle")
                VStack(alignment: .leading) {
                    Text(verbatim: action.title)
                    if let due = action.due { Text(verbatim: DisplayDate.day(due)).font(.caption).foregroundStyle(.secondary) }
                }
                Spacer()
                Text(LocalizedStringKey(action.owner.localizationKey)).font(.caption).foregroundStyle(.secondary)
            }
        }
        .buttonStyle(.plain)
    }
}

/// Dates as the phone's locale shows them.
enum DisplayDate {
    static func day(_ text: String) -> String {
        guard let date = CoreDates.day(text) else { return text }
        return date.formatted(date: .abbreviated, time: .omitted)
    }

    static func moment(_ text: String) -> String {
        guard let date = CoreDates.instant(text) else { return text }
        return date.formatted(date: .abbreviated, time: .shortened)
    }
}
