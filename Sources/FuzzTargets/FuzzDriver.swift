import Foundation

/// The `main` of every fuzz executable, in both of its builds.
///
/// Why one `main` for two modes: SwiftPM on Linux links each executable with its own `main` (it
/// renames the module's entry point and aliases `main` to it), so the usual libFuzzer layout — no
/// `main`, libFuzzer's own taking over — does not link. Instead the executable keeps its `main`
/// and, when built with `-Xswiftc -DFUZZING` (and `-sanitize=fuzzer`), hands its arguments to
/// libFuzzer through `LLVMFuzzerRunDriver`, the entry libFuzzer provides for programs that have a
/// `main` of their own; every libFuzzer flag then works as usual. In a plain build the same
/// executable replays files: every argument is a file or a directory (read recursively), each
/// file goes through the target once, and a violated invariant stops the process with a non-zero
/// status, naming the file.
public enum FuzzDriver {
    /// The shape of `LLVMFuzzerTestOneInput`.
    public typealias Entry = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    public static func main(_ entry: Entry) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, entry))
        #else
        exit(replay(CommandLine.arguments, entry))
        #endif
    }

    #if FUZZING
    /// libFuzzer's driver (compiler-rt `FuzzerDriver.cpp`): parses the flags, then fuzzes or
    /// runs the given inputs. Declared here because it has no header Swift could import; its C
    /// signature takes only pointers and returns an `int`, which this declaration matches.
    @_silgen_name("LLVMFuzzerRunDriver")
    private static func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: Entry
    ) -> Int32
    #endif

    /// Replays the files named by `arguments` (after the program name); returns the exit status.
    static func replay(_ arguments: [String], _ entry: Entry) -> Int32 {
        let program = arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? "fuzz"
        let paths = arguments.dropFirst()
        if paths.isEmpty || paths.contains(where: { $0.hasPrefix("-") }) {
            let usage = """
                usage: \(program) <corpus file or directory>...
                This is a replay build: each file is run through the target once. Fuzzing needs
                the sanitizer build (see .ci/fuzz), which takes libFuzzer's flags.

                """
            printError(usage)
            return 2
        }
        var count = 0
        for path in paths {
            let files: [String]
            do { files = try FuzzCorpus.files(at: path) } catch {
                printError("\(program): \(error)\n")
                return 1
            }
            for file in files {
                let bytes: [UInt8]
                do { bytes = try FuzzCorpus.contents(of: file) } catch {
                    printError("\(program): \(error)\n")
                    return 1
                }
                Invariant.replaying.withLock { $0 = file }
                _ = bytes.withUnsafeBufferPointer { entry($0.baseAddress, $0.count) }
                count += 1
            }
        }
        print("\(program): replayed \(count) inputs, no invariant violated")
        return 0
    }

    private static func printError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
