// MasterKey: where the credential vault's 32-byte master key comes from. Operators who manage
// secrets externally set AGENTBRIDGE_MASTER_KEY (base64url, 43 characters); everyone else gets a
// key file next to the database (`<database>.key`), created on first use with CSPRNG bytes and
// mode 0600, and refused later if its mode lets group or other users in — a world-readable key
// would make the sealed credentials in the database readable by anyone who can read both.
//
// Creation is crash- and race-safe: the key is written and fsynced to a private temporary file
// (O_CREAT|O_EXCL, 0600) that is then hard-linked to the final name, which fails if the name
// exists; so the key file is either absent or complete, and two processes starting together
// agree on one key. The file holds the key as base64url text plus a newline, the same spelling
// the environment variable takes, so `export AGENTBRIDGE_MASTER_KEY=$(cat db.key)` works.
//
// The environment is passed in (never read from globals here) so tests and callers control it.

#if canImport(Glibc)
import Glibc
#endif
import Hashing

/// Loading (and on first use creating) the vault master key.
public enum MasterKey {
    /// The environment variable that, when set, supplies the key and disables the key file.
    public static let environmentVariable = "AGENTBRIDGE_MASTER_KEY"
    /// Key length in bytes.
    public static let byteCount = 32
    /// Largest key file read (a valid one is 44 bytes).
    static let maxFileBytes = 4096

    /// The default key file for a database: `<databasePath>.key`.
    public static func defaultKeyPath(databasePath: String) -> String { databasePath + ".key" }

    /// The master key: from `environment[AGENTBRIDGE_MASTER_KEY]` when set, otherwise from the key
    /// file (`keyPath`, default `<databasePath>.key`), which is created with a fresh random key
    /// and mode 0600 if it does not exist yet.
    public static func load(
        databasePath: String, environment: [String: String], keyPath: String? = nil
    ) throws(MasterKeyError) -> [UInt8] {
        if let value = environment[environmentVariable] { return try decodeEnvironment(value) }
        let path = keyPath ?? defaultKeyPath(databasePath: databasePath)
        if let key = try readKeyFile(path) { return key }
        return try createKeyFile(path)
    }

    /// The text form of a key (unpadded base64url), as the variable and the file hold it.
    public static func encode(_ key: [UInt8]) -> String { Base64URL.encode(key) }

    // MARK: - Environment

    static func decodeEnvironment(_ value: String) throws(MasterKeyError) -> [UInt8] {
        if value.isEmpty { throw .invalidEnvironmentValue(reason: "it is set but empty") }
        guard let key = Base64URL.decode(value) else {
            throw .invalidEnvironmentValue(reason: "it is not unpadded base64url (only A–Z a–z 0–9 - _, no padding or whitespace)")
        }
        guard key.count == byteCount else {
            throw .invalidEnvironmentValue(reason: "it decodes to \(key.count) bytes, not \(byteCount)")
        }
        return key
    }

    // MARK: - Key file

    /// The key in the file at `path`, or nil when there is no such file.
    static func readKeyFile(_ path: String) throws(MasterKeyError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw ioError(path, "open", code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ioError(path, "fstat", errno) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(path: path) }
        let permissions = UInt32(status.st_mode) & 0o777
        guard permissions & 0o077 == 0 else { throw .insecurePermissions(path: path, mode: permissions) }

        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while bytes.count <= maxFileBytes {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError(path, "read", errno)
            }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return try parseFile(bytes, path: path)
    }

    static func parseFile(_ bytes: [UInt8], path: String) throws(MasterKeyError) -> [UInt8] {
        var text = bytes
        if text.count > maxFileBytes { throw .invalidKeyFile(path: path, reason: "it is larger than \(maxFileBytes) bytes") }
        if text.last == 0x0A { text.removeLast() }
        if text.last == 0x0D { text.removeLast() }
        if text.isEmpty { throw .invalidKeyFile(path: path, reason: "it is empty") }
        guard let string = String(validating: text, as: UTF8.self), let key = Base64URL.decode(string) else {
            throw .invalidKeyFile(path: path, reason: "it is not unpadded base64url text")
        }
        guard key.count == byteCount else {
            throw .invalidKeyFile(path: path, reason: "it decodes to \(key.count) bytes, not \(byteCount)")
        }
        return key
    }

    /// Creates the key file with a new random key; if another process created it first, reads
    /// and returns that key instead.
    static func createKeyFile(_ path: String) throws(MasterKeyError) -> [UInt8] {
        let key = SecureRandom.bytes(byteCount)
        let contents = Array((encode(key) + "\n").utf8)
        let temporary = path + ".tmp-" + Hex.encode(SecureRandom.bytes(8))
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ioError(temporary, "create", errno) }
        defer { unlink(temporary) }
        do {
            defer { close(descriptor) }
            // The umask can only clear bits of 0600; set it explicitly so the owner can read it back.
            guard fchmod(descriptor, 0o600) == 0 else { throw ioError(temporary, "fchmod", errno) }
            var written = 0
            while written < contents.count {
                let count = contents.withUnsafeBytes { raw in
                    write(descriptor, raw.baseAddress! + written, raw.count - written)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ioError(temporary, "write", errno)
                }
                written += count
            }
            guard fsync(descriptor) == 0 else { throw ioError(temporary, "fsync", errno) }
        }
        if link(temporary, path) != 0 {
            let code = errno
            guard code == EEXIST else { throw ioError(path, "link", code) }
            // Someone else won the race; their file is complete (linked only after fsync).
            guard let existing = try readKeyFile(path) else { throw ioError(path, "open", ENOENT) }
            return existing
        }
        syncDirectory(of: path)
        return key
    }

    /// Best effort: makes the new directory entry durable.
    private static func syncDirectory(of path: String) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func ioError(_ path: String, _ operation: String, _ code: Int32) -> MasterKeyError {
        .io(path: path, operation: operation, message: String(cString: strerror(code)))
    }

    /// `mode` as four octal digits (`0644`).
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
