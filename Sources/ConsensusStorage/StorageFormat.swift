/// The `FORMAT` file at the top of a data directory: one line naming the on-disk format, checked
/// on open so that a build never misreads a directory written in another format.
enum StorageFormat {
    /// What this build writes and reads.
    ///
    /// - 1: the first format.
    /// - 2: the same files, whose entries may hold commands in the binary form (the `Consensus`
    ///   module's `CommandCodec` format 2). A build of format 1 would skip such entries as
    ///   unreadable and lose them without a word, so it must refuse the directory instead.
    static let current = "swift-consensus-storage 2"

    /// Earlier formats this build reads. Opening such a directory marks it ``current`` (the files
    /// themselves are unchanged), so that a build that only knows the earlier format refuses it
    /// once this build may have written to it.
    static let upgradable: Set<String> = ["swift-consensus-storage 1"]

    /// Checks the FORMAT file of a directory, or creates it (atomically) in a new one.
    /// - Parameter isNew: whether the directory holds no log or snapshot yet.
    static func check(directory: String, isNew: Bool, fileSystem: any FileSystem) throws {
        let path = directory + "/FORMAT"
        guard let bytes = try fileSystem.readFile(path) else {
            if isNew {
                try fileSystem.writeAtomically(Array((current + "\n").utf8), to: path, directory: directory)
                return
            }
            throw StorageError.unsupportedFormat(found: "no FORMAT file in \(directory)", expected: current)
        }
        let found = String(decoding: bytes, as: UTF8.self).trimmingSuffix { $0 == "\n" || $0 == " " }
        if upgradable.contains(found) {
            try fileSystem.writeAtomically(Array((current + "\n").utf8), to: path, directory: directory)
            return
        }
        guard found == current else {
            throw StorageError.unsupportedFormat(found: found, expected: current)
        }
    }
}

extension String {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var s = Substring(self)
        while let last = s.last, predicate(last) { s = s.dropLast() }
        return String(s)
    }
}
