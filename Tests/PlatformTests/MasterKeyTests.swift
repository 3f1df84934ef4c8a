// MasterKeyTests: the environment variable (valid, empty, malformed, wrong length), the key file
// (created once with mode 0600 and reused, explicit path, contents format, group/other-readable
// files refused with a chmod hint, malformed files, a directory in the way, an unwritable place)
// and concurrent first use agreeing on one key.

import Glibc
import Hashing
import Platform
import Testing

@Suite("MasterKey")
struct MasterKeyTests {
    private func mode(_ path: String) -> UInt32 {
        var status = stat()
        precondition(stat(path, &status) == 0)
        return UInt32(status.st_mode) & 0o777
    }

    private func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        precondition(descriptor >= 0)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fchmod(descriptor, mode)
        close(descriptor)
    }

    @Test("a valid AGENTBRIDGE_MASTER_KEY is used as is and no key file is created")
    func environment() throws {
        let directory = TemporaryDirectory()
        let key = SecureRandom.bytes(32)
        let loaded = try MasterKey.load(
            databasePath: directory.file(), environment: ["AGENTBRIDGE_MASTER_KEY": Base64URL.encode(key), "OTHER": "x"])
        #expect(loaded == key)
        #expect(directory.entries().isEmpty)
    }

    @Test("a malformed AGENTBRIDGE_MASTER_KEY is a clear error, never a silent fallback to the file")
    func badEnvironment() throws {
        let directory = TemporaryDirectory()
        let cases: [(String, String)] = [
            ("", "it is set but empty"),
            (Base64URL.encode(SecureRandom.bytes(16)), "it decodes to 16 bytes, not 32"),
            (Base64URL.encode(SecureRandom.bytes(33)), "it decodes to 33 bytes, not 32"),
            (Base64URL.encode(SecureRandom.bytes(32)) + "=", "not unpadded base64url"),
            (" " + Base64URL.encode(SecureRandom.bytes(32)), "not unpadded base64url"),
            ("+/" + String(Base64URL.encode(SecureRandom.bytes(32)).dropFirst(2)), "not unpadded base64url"),
        ]
        for (value, reason) in cases {
            let error = #expect(throws: MasterKeyError.self) {
                try MasterKey.load(databasePath: directory.file(), environment: ["AGENTBRIDGE_MASTER_KEY": value])
            }
            let text = error?.description ?? ""
            #expect(text.hasPrefix("AGENTBRIDGE_MASTER_KEY is invalid: "), "\(text)")
            #expect(text.contains(reason), "\(text)")
            #expect(text.contains("exactly 32 random bytes"))
        }
        #expect(directory.entries().isEmpty)
    }

    @Test("without the variable, <database>.key is created once (32 random bytes, mode 0600) and reused")
    func keyFileCreatedAndReused() throws {
        let directory = TemporaryDirectory()
        let first = try MasterKey.load(databasePath: directory.file(), environment: [:])
        #expect(first.count == 32)
        #expect(directory.entries() == ["platform.sqlite.key"], "no temporary file left behind")
        let path = directory.file("platform.sqlite.key")
        #expect(mode(path) == 0o600)
        #expect(readBytes(path) == Array((Base64URL.encode(first) + "\n").utf8))
        let second = try MasterKey.load(databasePath: directory.file(), environment: [:])
        #expect(second == first)
        // A second database gets its own, different key.
        let other = try MasterKey.load(databasePath: directory.file("other.sqlite"), environment: [:])
        #expect(other != first)
    }

    @Test("an explicit key path is used instead of <database>.key")
    func explicitPath() throws {
        let directory = TemporaryDirectory()
        let key = try MasterKey.load(databasePath: directory.file(), environment: [:], keyPath: directory.file("vault.key"))
        #expect(directory.entries() == ["vault.key"])
        #expect(try MasterKey.load(databasePath: "/nonexistent/x.sqlite", environment: [:], keyPath: directory.file("vault.key")) == key)
        #expect(MasterKey.defaultKeyPath(databasePath: "/var/lib/ab/platform.sqlite") == "/var/lib/ab/platform.sqlite.key")
    }

    @Test("an existing key file readable or writable by group/other is refused with a chmod 600 hint", arguments: [0o644, 0o640, 0o604, 0o620, 0o602, 0o660, 0o666])
    func insecureMode(_ fileMode: Int) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("platform.sqlite.key")
        writeFile(path, Array((Base64URL.encode(SecureRandom.bytes(32)) + "\n").utf8), mode: mode_t(fileMode))
        let error = #expect(throws: MasterKeyError.self) { try MasterKey.load(databasePath: directory.file(), environment: [:]) }
        #expect(error == .insecurePermissions(path: path, mode: UInt32(fileMode)))
        #expect(error?.description.contains("run: chmod 600 \(path)") == true)
        #expect(error?.description.contains("(mode 0\(String(fileMode, radix: 8)))") == true)
    }

    @Test("owner-only modes are accepted, and the file may lack the trailing newline")
    func ownerOnlyModes() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("platform.sqlite.key")
        let key = SecureRandom.bytes(32)
        for fileMode: mode_t in [0o600, 0o400] {
            unlink(path)
            writeFile(path, Array(Base64URL.encode(key).utf8), mode: fileMode)
            #expect(try MasterKey.load(databasePath: directory.file(), environment: [:]) == key)
        }
        unlink(path)
        writeFile(path, Array((Base64URL.encode(key) + "\r\n").utf8))
        #expect(try MasterKey.load(databasePath: directory.file(), environment: [:]) == key)
    }

    @Test("a key file with the wrong contents is a clear error and is not replaced")
    func malformedFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("platform.sqlite.key")
        let cases: [([UInt8], String)] = [
            ([], "it is empty"),
            (Array("\n".utf8), "it is empty"),
            (SecureRandom.bytes(32), "not unpadded base64url text"),
            (Array((Base64URL.encode(SecureRandom.bytes(24)) + "\n").utf8), "it decodes to 24 bytes, not 32"),
            (Array((Base64URL.encode(SecureRandom.bytes(32)) + "\n\n").utf8), "not unpadded base64url text"),
            ([UInt8](repeating: 0x41, count: 5000), "larger than 4096 bytes"),
        ]
        for (contents, reason) in cases {
            unlink(path)
            writeFile(path, contents)
            let error = #expect(throws: MasterKeyError.self) { try MasterKey.load(databasePath: directory.file(), environment: [:]) }
            #expect(error?.description.hasPrefix("master key file \(path) is invalid: ") == true, "\(String(describing: error))")
            #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
            #expect(readBytes(path) == contents, "the file was left untouched")
        }
    }

    @Test("a directory at the key path and an unwritable location are reported, not papered over")
    func ioProblems() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("platform.sqlite.key")
        #expect(mkdir(path, 0o700) == 0)
        defer { rmdir(path) }
        let error = #expect(throws: MasterKeyError.self) { try MasterKey.load(databasePath: directory.file(), environment: [:]) }
        #expect(error == .notARegularFile(path: path))

        let missing = #expect(throws: MasterKeyError.self) {
            try MasterKey.load(databasePath: directory.file("no-such-dir/platform.sqlite"), environment: [:])
        }
        guard case .io(_, let operation, let message)? = missing else {
            Issue.record("expected an io error, got \(String(describing: missing))")
            return
        }
        #expect(operation == "create")
        #expect(message == "No such file or directory")
    }

    @Test("processes starting together agree on one key")
    func concurrentFirstUse() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let keys = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<8 { group.addTask { try MasterKey.load(databasePath: path, environment: [:]) } }
            var keys: [[UInt8]] = []
            for try await key in group { keys.append(key) }
            return keys
        }
        #expect(keys.count == 8)
        #expect(Set(keys).count == 1)
        #expect(directory.entries() == ["platform.sqlite.key"])
    }
}
