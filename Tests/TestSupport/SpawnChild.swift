import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one of a child's standard descriptors (0, 1 or 2) comes from.
public enum ChildStream: Sendable {
    /// `path`, opened in the child with `flags` and `mode`.
    case open(path: String, flags: Int32, mode: mode_t)
    /// A copy of `descriptor`: one of this process (a pipe end), or one the child
    /// has already set up (`.descriptor(1)` for stderr means "same as stdout").
    case descriptor(Int32)

    /// `/dev/null`, for reading.
    public static let nullInput = ChildStream.open(path: "/dev/null", flags: O_RDONLY, mode: 0)

    /// `path`, created or truncated, for writing.
    public static func truncate(_ path: String, mode: mode_t) -> ChildStream {
        .open(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
    }
}

#if canImport(Darwin)
private typealias FileActions = posix_spawn_file_actions_t?
private typealias SpawnAttributes = posix_spawnattr_t?
#else
private typealias FileActions = posix_spawn_file_actions_t
private typealias SpawnAttributes = posix_spawnattr_t
#endif

/// Starts `executable` with `posix_spawn` (not Foundation's `Process`) and returns
/// its pid; the caller waits for it.
///
/// The child gets exactly `environment`, default dispositions for every signal and
/// an empty signal mask (test threads block most signals, and a child would inherit
/// that), and its descriptors 0, 1 and 2 from `stdin`, `stdout` and `stderr`, set
/// up in that order. With `closeOtherDescriptors`, no other descriptor reaches it
/// (where the C library supports that). With a `currentDirectory`, it starts
/// there; when the C library cannot change directory in the child, `/bin/sh` does
/// that before `exec`ing the executable.
public func spawnChild(
    executable: String,
    arguments: [String],
    environment: [String: String],
    currentDirectory: String? = nil,
    stdin: ChildStream = .nullInput,
    stdout: ChildStream,
    stderr: ChildStream,
    closeOtherDescriptors: Bool = true
) throws -> pid_t {
    var actions = FileActions()
    var attributes = SpawnAttributes()
    posix_spawn_file_actions_init(&actions)
    posix_spawnattr_init(&attributes)
    defer {
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
    }
    for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
        switch stream {
        case .open(let path, let flags, let mode):
            posix_spawn_file_actions_addopen(&actions, target, path, flags, mode)
        case .descriptor(let descriptor):
            posix_spawn_file_actions_adddup2(&actions, descriptor, target)
        }
    }

    var prefix: [String] = []
    var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
    #if canImport(Darwin)
    if closeOtherDescriptors {
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
    }
    if let currentDirectory {
        posix_spawn_file_actions_addchdir_np(&actions, currentDirectory)
    }
    #else
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<FileActions>, UnsafePointer<CChar>) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<FileActions>, Int32) -> Int32
    if closeOtherDescriptors, let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
    }
    if let currentDirectory {
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") {
            _ = unsafeBitCast(symbol, to: AddChdir.self)(&actions, currentDirectory)
        } else {
            prefix = ["/bin/sh", "-c", "cd -- \"$0\" && exec \"$@\"", currentDirectory]
        }
    }
    #endif
    posix_spawnattr_setflags(&attributes, Int16(flags))
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    sigdelset(&allSignals, SIGKILL)
    sigdelset(&allSignals, SIGSTOP)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)

    let argv = prefix + [executable] + arguments
    let envp = environment.map { "\($0.key)=\($0.value)" }
    var pid = pid_t(0)
    let rc = withCStrings(argv) { cArgv in
        withCStrings(envp) { cEnvp in
            posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnvp)
        }
    }
    guard rc == 0 else { throw TestSupportError("cannot run \(executable): \(String(cString: strerror(rc)))") }
    return pid
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
