/// The verdict of ``LinearizabilityChecker``. Only ``linearizable`` is a pass.
public enum LinearizabilityResult: Sendable, Hashable, CustomStringConvertible {
    /// Every sub-history has an order consistent with real time and the sequential specification.
    case linearizable
    /// The sub-history of `key` has none. `explanation` shows how far the search got and why none of
    /// the operations that could come next fits.
    case notLinearizable(key: String, explanation: String)
    /// The search of `key`'s sub-history explored more states than its budget allows: nothing was
    /// proven. A test must treat this as a failure.
    case budgetExhausted(key: String, exploredStates: Int)

    /// `true` only for ``linearizable``.
    public var isLinearizable: Bool {
        if case .linearizable = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .linearizable:
            return "linearizable"
        case .notLinearizable(let key, let explanation):
            return "not linearizable (\(key)): \(explanation)"
        case .budgetExhausted(let key, let exploredStates):
            return "search budget exhausted on \(key) after \(exploredStates) states: "
                + "linearizability is unknown, and that is a failure (raise the budget or shorten the history)"
        }
    }
}
