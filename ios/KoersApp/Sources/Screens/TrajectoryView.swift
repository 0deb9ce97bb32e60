// Trajectory: type, phase, goals, weekly target, the Poortwachter milestones, progress;
// and the private journal.
import KoersCore
import KoersKit
import SwiftUI

struct TrajectoryView: View {
    @Environment(AppModel.self) private var model
    let store: DossierStore

    var body: some View {
        NavigationStack {
            List {
                if let t = store.trajectory {
                    Section {
                        if let kind = t.kind { LabeledContent("trajectory.kind") { Text(LocalizedStringKey(kind.localizationKey)) } }
                        Picker("trajectory.phase", selection: Binding(
                            get: { t.phase },
                            set: { phase in model.run { try await $0.updateTrajectory(TrajectoryUpdate(phase: phase)) } })) {
                            Text("common.none").tag(Phase?.none)
                            ForEach(Phase.allCases, id: \.self) { Text(LocalizedStringKey($0.localizationKey)).tag(Phase?.some($0)) }
                        }
                        if !t.coach.isEmpty { LabeledContent("trajectory.coach", value: t.coach) }
                        if !t.bureau.isEmpty { LabeledContent("trajectory.bureau", value: t.bureau) }
                        if let day = t.firstSickDay { LabeledContent("trajectory.first_sick_day", value: DisplayDate.day(day)) }
                        LabeledContent("trajectory.weekly_target", value: "\(t.weeklyTarget)")
                    }
                    if !t.goals.isEmpty {
                        Section("trajectory.goals") { ForEach(t.goals, id: \.self) { Text(verbatim: $0) } }
                    }
                }
                if let p = store.progress {
                    Section("trajectory.progress") {
                        ForEach(p.weeks, id: \.weekStart) { w in
                            HStack {
                                Text("trajectory.week \(Int(w.isoWeek))")
                                Spacer()
                                Text(verbatim: "\(w.applications) / \(w.target)").foregroundStyle(w.met ? .green : .primary)
                            }
                        }
                        ForEach(p.funnel, id: \.status) { f in
                            LabeledContent(f.label, value: "\(f.count)") // label: Dutch, from the core
                        }
                    }
                }
                Section("trajectory.milestones") {
                    ForEach(store.milestones, id: \.id) { MilestoneRow(milestone: $0) }
                }
            }
            .navigationTitle("tab.trajectory")
        }
    }
}

struct MilestoneRow: View {
    let milestone: Milestone

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            HStack {
                Text(verbatim: milestone.title).font(.headline) // Dutch, from the core
                Spacer()
                Text(verbatim: DisplayDate.day(milestone.date)).font(.caption)
                    .foregroundStyle(milestone.state == .dueSoon ? .orange : .secondary)
            }
            Text(verbatim: milestone.description).font(.caption).foregroundStyle(.secondary)
        }
        .opacity(milestone.state == .past ? 0.6 : 1)
    }
}

/// The private journal: stays on this phone, never synced.
struct JournalView: View {
    @Environment(AppModel.self) private var model
    let store: DossierStore
    @State private var text = ""
    @State private var energy = 3

    var body: some View {
        NavigationStack {
            List {
                Section {
                    TextField("journal.placeholder", text: $text, axis: .vertical)
                    Stepper(value: $energy, in: 1...5) { Text("journal.energy \(energy)") }
                    Button("common.save") {
                        let (t, e) = (text, UInt8(energy))
                        text = ""
                        model.run { try await $0.addJournalEntry(date: CoreDates.dayText(Date()), text: t, energy: e) }
                    }
                    .disabled(text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
                } footer: {
                    Text("journal.private")
                }
                ForEach(store.journal, id: \.id) { entry in
                    VStack(alignment: .leading) {
                        Text(verbatim: DisplayDate.day(entry.date)).font(.caption).foregroundStyle(.secondary)
                        Text(verbatim: entry.text)
                        Text("journal.energy \(Int(entry.energy))").font(.caption)
                    }
                }
                .onDelete { offsets in
                    let ids = offsets.map { store.journal[$0].id }
                    model.run { store in for id in ids { try await store.deleteJournalEntry(id: id) } }
                }
            }
            .navigationTitle("tab.journal")
        }
    }
}
