import CShim
#if canImport(Glibc)
import Glibc
#endif

/// Where the server under test and the load generator run: on this 2-core machine the server
/// gets CPU 0 and the load generator CPU 1, so neither steals the other's core and every peer is
/// measured on exactly one core (the shared harness's placement, so its anchors compare).
///
/// Servers are placed by inheritance: the spawning thread pins itself to the server's CPU, spawns,
/// and pins itself back to the generator's CPU; children keep the mask they were born with, and so
/// do their own children (uvicorn, a gateway's upstream).
struct CPUPinning: Sendable {
    var serverCPU: Int?
    var generatorCPU: Int?

    static let none = CPUPinning(serverCPU: nil, generatorCPU: nil)

    /// Server on CPU 0 and generator on CPU 1 when the machine has at least two CPUs.
    static var standard: CPUPinning {
        sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2 ? CPUPinning(serverCPU: 0, generatorCPU: 1) : .none
    }

    var label: String {
        guard let serverCPU, let generatorCPU else { return "unpinned" }
        return "server on CPU \(serverCPU), load generator on CPU \(generatorCPU)"
    }

    /// Pins the calling thread to `cpu`, or lets it run anywhere when `cpu` is nil.
    static func pinCurrentThread(to cpu: Int?) {
        _ = cshim_pin_thread(Int32(cpu ?? -1))
    }

    /// Runs `spawn` with the calling thread on the server's CPU, then returns the thread to the
    /// generator's CPU.
    func spawningServer<T>(_ spawn: () throws -> T) rethrows -> T {
        Self.pinCurrentThread(to: serverCPU)
        defer { Self.pinCurrentThread(to: generatorCPU) }
        return try spawn()
    }
}
