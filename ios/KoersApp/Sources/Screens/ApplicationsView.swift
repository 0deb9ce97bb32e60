// Applications: the list with filters, a quick add (only employer and role required) and
// the detail with status changes, history and the coach's comments.
import KoersCore
import KoersKit
import SwiftUI

struct ApplicationsView: View {
    @Environment(AppModel.self) private var model
    let store: DossierStore
    @State private var adding = false
    @State private var search = ""
    @State private var statuses: Set<ApplicationStatus> = []
    @State private var followUpOnly = false

    var body: some View {
        NavigationStack {
            List {
                ForEach(store.applications, id: \.id) { application in
                    NavigationLink(value: application.id) { ApplicationRow(application: application) }
                }
                .onDelete { offsets in
                    let ids = offsets.map { store.applications[$0].id }
                    model.run { store in for id in ids { try await store.deleteApplication(id: id) } }
                }
            }
            .overlay {
                if store.applications.isEmpty { ContentUnavailableView("applications.empty", systemImage: "briefcase") }
            }
            .searchable(text: $search, prompt: Text("applications.search"))
            .navigationTitle("tab.applications")
            .navigationDestination(for: String.self) { id in ApplicationDetailView(store: store, id: id) }
            .toolbar {
                ToolbarItem(placement: .primaryAction) {
                    Button { adding = true } label: { Label("applications.add", systemImage: "plus") }
                }
                ToolbarItem(placement: .topBarLeading) {
                    Menu {
                        Toggle("applications.filter.follow_up", isOn: $followUpOnly)
                        ForEach(ApplicationStatus.allCases, id: \.self) { status in
                            Toggle(LocalizedStringKey(status.localizationKey), isOn: Binding(
                                get: { statuses.contains(status) },
                                set: { if $0 { statuses.insert(status) } else { statuses.remove(status) } }))
                        }
                    } label: { Label("applications.filter", systemImage: "line.3.horizontal.decrease.circle") }
                }
            }
            .sheet(isPresented: $adding) { QuickAddView(store: store) }
            .task(id: FilterKey(search: search, statuses: statuses, followUp: followUpOnly)) {
                try? await store.setFilter(.forList(search: search, statuses: statuses, followUpOnly: followUpOnly))
            }
        }
    }

    private struct FilterKey: Equatable {
        let search: String
        let statuses: Set<ApplicationStatus>
        let followUp: Bool
    }
}

struct ApplicationRow: View {
    let application: Application

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(verbatim: application.employer).font(.headline)
            Text(verbatim: application.role)
            HStack {
                Text(LocalizedStringKey(application.status.localizationKey))
                Text(verbatim: "·")
                Text(verbatim: DisplayDate.day(application.date))
            }
            .font(.caption).foregroundStyle(.secondary)
        }
    }
}

/// Logs an application in seconds: employer and role, the rest optional.
struct QuickAddView: View {
    @Environment(\.dismiss) private var dismiss
    let store: DossierStore
    @State private var employer = ""
    @State private var role = ""
    @State private var source: Source?
    @State private var vacancyUrl = ""
    @State private var contact = ""
    @State private var notes = ""
    @State private var status: ApplicationStatus = .applied
    @State private var date = Date()
    @State private var hasFollowUp = false
    @State private var followUp = Date().addingTimeInterval(7 * 86_400)
    @State private var error: String?
    @State private var saving = false

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    TextField("application.employer", text: $employer).textContentType(.organizationName)
                    TextField("application.role", text: $role).textContentType(.jobTitle)
                }
                Section("application.more") {
                    Picker("application.status", selection: $status) {
                        ForEach(ApplicationStatus.allCases, id: \.self) { Text(LocalizedStringKey($0.localizationKey)).tag($0) }
                    }
                    DatePicker("application.date", selection: $date, displayedComponents: .date)
                    Picker("application.source", selection: $source) {
                        Text("common.none").tag(Source?.none)
                        ForEach(Source.allCases, id: \.self) { Text(LocalizedStringKey($0.localizationKey)).tag(Source?.some($0)) }
                    }
                    TextField("application.vacancy_url", text: $vacancyUrl).keyboardType(.URL).textInputAutocapitalization(.never)
                    TextField("application.contact", text: $contact)
                    Toggle("application.follow_up", isOn: $hasFollowUp)
                    if hasFollowUp { DatePicker("application.follow_up_date", selection: $followUp, displayedComponents: .date) }
                    TextField("application.notes", text: $notes, axis: .vertical)
                }
                if let error { Section { Text(verbatim: error).foregroundStyle(.red) } }
            }
            .navigationTitle("applications.add")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("common.cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("common.save") { Task { await save() } }.disabled(saving)
                }
            }
        }
    }

    private func save() async {
        saving = true
        defer { saving = false }
        do {
            // The core checks the input (required fields, dates) and says what's wrong.
            try await store.logApplication(ApplicationInput(
                employer: employer, role: role, source: source,
                vacancyUrl: vacancyUrl.isEmpty ? nil : vacancyUrl,
                date: CoreDates.dayText(date), contact: contact.isEmpty ? nil : contact,
                notes: notes.isEmpty ? nil : notes, status: status,
                followUp: hasFollowUp ? CoreDates.dayText(followUp) : nil))
            dismiss()
        } catch {
            self.error = CoreError.from(error).message
        }
    }
}

struct ApplicationDetailView: View {
    @Environment(AppModel.self) private var model
    let store: DossierStore
    let id: String
    @State private var comments: [Comment] = []
    @State private var newComment = ""

    private var application: Application? { store.applications.first { $0.id == id } }

    var body: some View {
        List {
            if let a = application {
                Section {
                    LabeledContent("application.employer", value: a.employer)
                    LabeledContent("application.role", value: a.role)
                    LabeledContent("application.date", value: DisplayDate.day(a.date))
                    if let source = a.source { LabeledContent("application.source") { Text(LocalizedStringKey(source.localizationKey)) } }
                    if let contact = a.contact { LabeledContent("application.contact", value: contact) }
                    if let url = a.vacancyUrl, let link = URL(string: url) { Link(destination: link) { Text("application.open_vacancy") } }
                    if let f = a.followUp { LabeledContent("application.follow_up_date", value: DisplayDate.day(f)) }
                    if !a.notes.isEmpty { Text(verbatim: a.notes) }
                }
                Section("application.status") {
                    Picker("application.status", selection: Binding(
                        get: { a.status },
                        set: { status in model.run { try await $0.setStatus(id: id, status) } })) {
                        ForEach(ApplicationStatus.allCases, id: \.self) { Text(LocalizedStringKey($0.localizationKey)).tag($0) }
                    }
                    ForEach(Array(a.history.enumerated()), id: \.offset) { _, change in
                        HStack {
                            Text(LocalizedStringKey(change.status.localizationKey))
                            Spacer()
                            Text(verbatim: DisplayDate.moment(change.at)).foregroundStyle(.secondary)
                        }
                        .font(.caption)
                    }
                }
                Section("application.comments") {
                    ForEach(comments, id: \.id) { c in
                        VStack(alignment: .leading) {
                            Text(verbatim: c.text)
                            Text(verbatim: "\(c.authorName) · \(DisplayDate.moment(c.at))").font(.caption).foregroundStyle(.secondary)
                        }
                    }
                    HStack {
                        TextField("application.comment", text: $newComment)
                        Button("common.add") {
                            let text = newComment
                            newComment = ""
                            model.run { try await $0.comment(on: id, text) }
                        }
                        .disabled(newComment.trimmingCharacters(in: .whitespaces).isEmpty)
                    }
                }
            }
        }
        .navigationTitle(application?.employer ?? "")
        .task(id: store.commentsVersion) { comments = await store.comments(on: id) }
    }
}
