import Foundation

/// The members a ``ProcessBackend`` talks to, in order, with their API addresses: readable from
/// any thread, and growing when `add-node` starts a member.
final class MemberBook: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String]
    private var apis: [String: String]

    init(_ members: [(String, String)]) {
        ids = members.map(\.0)
        apis = Dictionary(members, uniquingKeysWith: { first, _ in first })
    }

    var order: [String] { lock.withLock { ids } }
    var addresses: [String: String] { lock.withLock { apis } }

    /// Adds a member at the end (an id already there keeps its address).
    func add(_ id: String, api: String) {
        lock.withLock {
            guard apis[id] == nil else { return }
            ids.append(id)
            apis[id] = api
        }
    }
}
