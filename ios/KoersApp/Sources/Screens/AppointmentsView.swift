// Appointments: coming and past, confirm or cancel the coach's proposals, add your own,
// put one in the calendar (EventKit).
import KoersCore
import KoersKit
import SwiftUI

struct AppointmentsView: View {
    @Environment(AppModel.self) private var model
    let store: DossierStore
    @State private var adding = false

    private var upcoming: [Appointment] {
        store.appointments.filter { (CoreDates.instant($0.endsAt) ?? .distantPast) >= Date() && $0.status != .cancelled }
    }
    private var past: [Appointment] {
        store.appointments.filter { !upcoming.map(\.id).contains($0.id) }
    }

    var body: some View {
        NavigationStack {
            List {
                Section("appointments.upcoming") {
                    ForEach(upcoming, id: \.id) { a in
                        AppointmentRow(appointment: a)
                            .swipeActions(edge: .leading) {
                                if a.status == .proposed {
                                    Button("appointments.confirm") { model.run { try await $0.confirmAppointment(id: a.id) } }.tint(.green)
                                }
                            }
                            .swipeActions(edge: .trailing) {
                                Button("appointments.cancel", role: .destructive) { model.run { try await $0.cancelAppointment(id: a.id) } }
                            }
                            .contextMenu {
                                Button { addToCalendar(a) } label: { Label("appointments.add_to_calendar", systemImage: "calendar.badge.plus") }
                            }
                    }
                }
                if !past.isEmpty {
                    Section("appointments.past") { ForEach(past, id: \.id) { AppointmentRow(appointment: $0) } }
                }
            }
            .navigationTitle("tab.appointments")
            .toolbar {
                Button { adding = true } label: { Label("appointments.add", systemImage: "plus") }
            }
            .sheet(isPresented: $adding) { NewAppointmentView(store: store) }
        }
    }

    private func addToCalendar(_ a: Appointment) {
        let title = String(localized: String.LocalizationValue(a.kind.localizationKey))
        Task {
            do { try await CalendarExport.add(a, title: title) } catch { model.alert = CoreError.from(error).message }
        }
    }
}

struct AppointmentRow: View {
    let appointment: Appointment

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            HStack {
                Text(LocalizedStringKey(appointment.kind.localizationKey)).font(.headline)
                Spacer()
                Text(LocalizedStringKey(appointment.status.localizationKey)).font(.caption)
                    .foregroundStyle(appointment.status == .proposed ? .orange : .secondary)
            }
            Text(verbatim: DisplayDate.moment(appointment.startsAt))
            if !appointment.location.isEmpty { Text(verbatim: appointment.location).font(.caption) }
            if !appointment.agenda.isEmpty { Text(verbatim: appointment.agenda).font(.caption).foregroundStyle(.secondary) }
        }
    }
}

struct NewAppointmentView: View {
    @Environment(\.dismiss) private var dismiss
    let store: DossierStore
    @State private var kind: AppointmentKind = .coaching
    @State private var start = Calendar.current.date(byAdding: .day, value: 1, to: Date()) ?? Date()
    @State private var minutes = 60
    @State private var location = ""
    @State private var agenda = ""
    @State private var error: String?

    var body: some View {
        NavigationStack {
            Form {
                Picker("appointment.kind", selection: $kind) {
                    ForEach(AppointmentKind.allCases, id: \.self) { Text(LocalizedStringKey($0.localizationKey)).tag($0) }
                }
                DatePicker("appointment.start", selection: $start)
                Stepper(value: $minutes, in: 15...480, step: 15) { Text("appointment.minutes \(minutes)") }
                TextField("appointment.location", text: $location)
                TextField("appointment.agenda", text: $agenda, axis: .vertical)
                if let error { Text(verbatim: error).foregroundStyle(.red) }
            }
            .navigationTitle("appointments.add")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("common.cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) { Button("common.save") { Task { await save() } } }
            }
        }
    }

    private func save() async {
        do {
            try await store.scheduleAppointment(AppointmentInput(
                startsAt: CoreDates.instantText(start),
                endsAt: CoreDates.instantText(start.addingTimeInterval(Double(minutes) * 60)),
                kind: kind, location: location, agenda: agenda))
            dismiss()
        } catch {
            self.error = CoreError.from(error).message
        }
    }
}
