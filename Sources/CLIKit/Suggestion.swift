/// "Did you mean …?" suggestions based on edit distance.
///
/// Why: the most common usage error is a typo; naming the closest valid spelling turns a dead
/// end into a one-keystroke fix. Transpositions count as one edit, so `--prot` finds `--port`.
enum Suggestion {
    /// The candidate closest to `typed`, if it is close enough to be a plausible typo.
    static func closest(to typed: String, among candidates: [String]) -> String? {
        let typedLength = typed.count
        guard typedLength > 0 else { return nil }
        let limit = max(1, min(3, typedLength / 3))
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != typed {
            let distance = Self.distance(typed, candidate)
            guard distance <= limit else { continue }
            if best == nil || distance < best!.distance {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, table[i - 2][j - 2] + 1)
                }
                table[i][j] = value
            }
        }
        return table[a.count][b.count]
    }
}
