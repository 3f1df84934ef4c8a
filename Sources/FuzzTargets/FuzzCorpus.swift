import Foundation

/// The files of a committed corpus: what the replay build and the corpus tests run.
///
/// Why its own type: `FuzzDriver` (replaying by hand or in a script) and `FuzzCorpusTests`
/// (replaying under `swift test`) must see the same inputs, in the same order, so a file that
/// fails one fails the other.
public enum FuzzCorpus {
    public struct ReadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `path` itself when it is a file; otherwise every regular file below it, recursively, in
    /// byte order of their paths. Hidden files (a leading `.`) are skipped.
    public static func files(at path: String) throws(ReadError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReadError(description: "no such file or directory: \(path)")
        }
        guard isDirectory.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else {
            throw ReadError(description: "cannot list \(path)")
        }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let full = path + "/" + relative
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            var nested: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &nested), !nested.boolValue {
                files.append(full)
            }
        }
        return files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public static func contents(of file: String) throws(ReadError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ReadError(description: "cannot read \(file)")
        }
        return [UInt8](data)
    }
}
