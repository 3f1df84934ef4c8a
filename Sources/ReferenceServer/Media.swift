import Foundation

/// Small, valid binary payloads for the content fixtures.
enum Media {
    /// A 1×1 PNG.
    static let pngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

    /// A valid 8 kHz mono 16-bit WAV with 80 silent samples (10 ms).
    static let wavBase64: String = {
        let samples = 80
        let dataBytes = samples * 2
        var b: [UInt8] = []
        func ascii(_ s: String) { b.append(contentsOf: s.utf8) }
        func u32(_ v: Int) { for i in 0..<4 { b.append(UInt8((v >> (8 * i)) & 0xFF)) } }
        func u16(_ v: Int) { for i in 0..<2 { b.append(UInt8((v >> (8 * i)) & 0xFF)) } }
        ascii("RIFF"); u32(36 + dataBytes); ascii("WAVE")
        ascii("fmt "); u32(16); u16(1); u16(1); u32(8000); u32(16000); u16(2); u16(16)
        ascii("data"); u32(dataBytes)
        b.append(contentsOf: [UInt8](repeating: 0, count: dataBytes))
        return Data(b).base64EncodedString()
    }()
}
