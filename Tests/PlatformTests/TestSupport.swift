// TestSupport: temporary directories (a real SQLite file per test), a clock the test moves by
// hand, and raw file reading to prove what is (not) written to disk.

import Glibc
import Platform
import Storage
import Synchronization

/// A fresh directory under /tmp, removed (with its files) when released.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/agentbridge-platform-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    func file(_ name: String = "platform.sqlite") -> String { "\(path)/\(name)" }

    /// The names of the files in the directory.
    func entries() -> [String] {
        var names: [String] = []
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
        }
        return names
    }

    deinit {
        for name in entries() { unlink("\(path)/\(name)") }
        rmdir(path)
    }
}

/// A wall clock that only moves when the test says so.
final class ManualClock: Sendable {
    private let now: Atomic<Int64>

    init(_ start: Int64 = 1_700_000_000_000) { now = Atomic(start) }

    var milliseconds: Int64 { now.load(ordering: .relaxed) }
    func advance(by milliseconds: Int64) { now.add(milliseconds, ordering: .relaxed) }
    var clock: WallClock { WallClock { [self] in self.now.load(ordering: .relaxed) } }
}

/// Every byte of the file at `path` (empty if it does not exist).
func readBytes(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else { return [] }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return bytes
}

/// Whether `needle` occurs in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
    }
    return false
}

/// A platform database in `directory` with its key store on `clock`.
struct Fixture {
    let directory = TemporaryDirectory()
    let clock = ManualClock()
    let database: Database
    let keys: APIKeyStore
    let workspaces: WorkspaceStore

    init(lastUsedIntervalMilliseconds: Int64 = 60_000) throws {
        database = try PlatformSchema.open(path: directory.file(), clock: clock.clock)
        keys = APIKeyStore(database: database, clock: clock.clock, lastUsedIntervalMilliseconds: lastUsedIntervalMilliseconds)
        workspaces = WorkspaceStore(database: database, clock: clock.clock)
    }
}
