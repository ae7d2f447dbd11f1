/// The observers of a calibration run, keyed by tensor name, all with one configuration.
///
/// A class because the interpreter's observer callback and the pass that reads the
/// results share it. Not thread-safe: feed it from one thread at a time; calibration workers
/// each feed their own `freshCopy` and `absorb` them at the end.
public final class ObserverSet {
    /// The method and settings of every range observer.
    public let configuration: ObserverConfiguration
    private var rangeObservers: [String: any Observer] = [:]
    private var channelObservers: [String: ChannelAbsMaxObserver] = [:]
    /// Tensors watched before their magnitude was known (entropy on the `known-range` grid).
    private var awaitingKnownRange: Set<String> = []

    /// Creates an empty set; throws if the configuration's settings are invalid.
    public init(configuration: ObserverConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    /// A set for a configuration already validated.
    private init(validated configuration: ObserverConfiguration) {
        self.configuration = configuration
    }

    /// Starts watching `tensor`'s range (again from scratch if it was watched).
    ///
    /// When `configuration.needsKnownRange` and `knownAbsMax` is nil, the tensor waits in
    /// `tensorsAwaitingKnownRange` until a first pass gives its magnitude through another
    /// `watch` call; it observes nothing until then (this is what `CalibrationRunner` does).
    public func watch(_ tensor: String, knownAbsMax: Float? = nil) throws {
        if configuration.needsKnownRange, knownAbsMax == nil {
            rangeObservers[tensor] = nil
            awaitingKnownRange.insert(tensor)
            return
        }
        do {
            rangeObservers[tensor] = try configuration.makeObserver(knownAbsMax: knownAbsMax)
            awaitingKnownRange.remove(tensor)
        } catch let error as CalibrationError {
            throw error.naming(tensor)
        }
    }

    /// Also collects `tensor`'s per-channel magnitudes along `axis` (negative counts from the end).
    public func watchChannels(_ tensor: String, axis: Int) {
        channelObservers[tensor] = ChannelAbsMaxObserver(axis: axis)
    }

    /// Whether `tensor` has an observer, so callers can skip the others cheaply.
    public func isWatching(_ tensor: String) -> Bool {
        rangeObservers[tensor] != nil || channelObservers[tensor] != nil || awaitingKnownRange.contains(tensor)
    }

    /// Tensors whose range observer still needs the tensor's magnitude, sorted.
    public var tensorsAwaitingKnownRange: [String] { awaitingKnownRange.sorted() }

    /// The watched tensors, sorted.
    public var watchedTensors: [String] {
        Set(rangeObservers.keys).union(channelObservers.keys).union(awaitingKnownRange).sorted()
    }

    /// Feeds one batch of `tensor` to its observers; does nothing for a tensor not watched.
    public func observe(_ tensor: String, values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        do {
            try rangeObservers[tensor]?.observe(values, shape: shape)
            try channelObservers[tensor]?.observe(values, shape: shape)
        } catch let error as CalibrationError {
            throw error.naming(tensor)
        }
    }

    /// The result for every watched tensor: its range observer's, with the channel statistics added.
    public func results() throws -> [String: TensorCalibration] {
        var results: [String: TensorCalibration] = [:]
        if let tensor = awaitingKnownRange.min() {
            throw CalibrationError.tensor(
                name: tensor,
                reason: "the \(configuration.method.rawValue) grid needs the tensor's range from a first min/max pass")
        }
        for tensor in watchedTensors {
            do {
                var result = try rangeObservers[tensor]?.result()
                if let channels = try channelObservers[tensor]?.result() {
                    if result == nil { result = channels } else { result?.channelAbsMax = channels.channelAbsMax }
                }
                results[tensor] = result
            } catch let error as CalibrationError {
                throw error.naming(tensor)
            }
        }
        return results
    }

    /// Every watched tensor's saved state, to merge with other runs' (`CalibrationState`).
    ///
    /// Throws for a configuration that cannot be merged exactly, for a tensor still awaiting its known range,
    /// and for per-channel observers, whose statistics no calibration state holds.
    public func states() throws -> [String: TensorCalibrationState] {
        try configuration.checkMergeable()
        if let tensor = awaitingKnownRange.min() {
            throw CalibrationError.tensor(
                name: tensor,
                reason: "the \(configuration.method.rawValue) grid needs the tensor's range from a first min/max pass")
        }
        if let tensor = channelObservers.keys.min() {
            throw CalibrationError.tensor(
                name: tensor, reason: "per-channel statistics are not part of a calibration state")
        }
        var states: [String: TensorCalibrationState] = [:]
        for (tensor, observer) in rangeObservers {
            guard let mergeable = observer as? any MergeableObserver else {
                throw CalibrationError.tensor(name: tensor, reason: "its observer cannot save a calibration state")
            }
            states[tensor] = mergeable.state
        }
        return states
    }

    /// Whether the observers of workers that each saw part of the samples merge exactly into one set
    /// (`absorb`): a mergeable configuration, range observers only, none awaiting its known range.
    public var mergesExactly: Bool {
        guard (try? configuration.checkMergeable()) != nil, channelObservers.isEmpty, awaitingKnownRange.isEmpty
        else { return false }
        return rangeObservers.values.allSatisfy { $0 is any MergeableObserver }
    }

    /// A set watching the same tensors with observers in the state this set's are in now.
    ///
    /// Taken before any sample is observed, it is a fresh set for one worker's share of the samples.
    public func freshCopy() -> ObserverSet {
        // The observers are value types: copying the dictionaries copies their state.
        let copy = ObserverSet(validated: configuration)
        copy.rangeObservers = rangeObservers
        copy.channelObservers = channelObservers
        copy.awaitingKnownRange = awaitingKnownRange
        return copy
    }

    /// Adds what `other` observed (a copy from `freshCopy` fed other samples), as if this set had seen them too.
    ///
    /// Exact when `mergesExactly`: the merged state is the one a single set over all the samples
    /// gives (`TensorCalibrationState`); throws otherwise, or when the sets watch different tensors.
    public func absorb(_ other: ObserverSet) throws {
        guard mergesExactly, other.mergesExactly, Set(rangeObservers.keys) == Set(other.rangeObservers.keys) else {
            throw CalibrationError.badBatch(reason: "observer sets that do not merge exactly were combined")
        }
        for (tensor, observer) in rangeObservers {
            guard let mine = observer as? any MergeableObserver,
                let theirs = other.rangeObservers[tensor] as? any MergeableObserver
            else { continue }
            do {
                var state = mine.state
                try state.merge(theirs.state)
                rangeObservers[tensor] = try configuration.makeObserver(state: state)
            } catch let error as CalibrationError {
                throw error.naming(tensor)
            }
        }
    }

    /// The numbers all observers keep together; independent of the number of batches.
    public var storedNumberCount: Int {
        rangeObservers.values.reduce(0) { $0 + $1.storedNumberCount }
            + channelObservers.values.reduce(0) { $0 + $1.storedNumberCount }
    }
}
