// TemporaryDirectory: a fresh directory under /tmp per test, so every test uses a real SQLite
// file (WAL needs a file; readers and the writer must share it) and tests never share state.

import Glibc

final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/agentbridge-storage-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// A database file path inside the directory.
    func file(_ name: String = "test.sqlite") -> String { "\(path)/\(name)" }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { unlink("\(path)/\(name)") }
            }
            closedir(directory)
        }
        rmdir(path)
    }
}
