import FuzzTargets

/// libFuzzer's per-input entry point (exported under its C name; also what replay runs).
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    JSONRPCFuzzTarget.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

FuzzDriver.main(testOneInput)
