/// The verdict of ``CounterExactness``. Only ``exact`` is a pass.
public enum CounterExactnessResult: Sendable, Hashable, CustomStringConvertible {
    /// The final values are the acknowledged changes plus some subset of the unknown ones, each
    /// batch whole.
    case exact
    /// No such subset exists. `counters` names the counters at fault (sorted); `explanation` says,
    /// counter by counter, what the values are, what the acknowledged changes sum to and what the
    /// unknown changes cannot make up, with a likely cause when one fits (an acknowledged change
    /// lost or counted twice, an unknown change applied twice, a batch applied in part).
    case inexact(counters: [String], explanation: String)
    /// The search hit its cap on reachable differences (or the values are too large to sum):
    /// nothing was proven. A test must treat this as a failure.
    case undecided(counters: [String], explanation: String)

    /// `true` only for ``exact``.
    public var isExact: Bool {
        if case .exact = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .exact:
            return "exact"
        case .inexact(_, let explanation):
            return "counters not exact: \(explanation)"
        case .undecided(_, let explanation):
            return "counter exactness undecided: \(explanation); that is a failure"
        }
    }
}
