/// A named set of devices the model may be distributed over (IR 11+).
public struct DeviceConfiguration: Hashable, Sendable {
    /// The configuration's name.
    public var name: String?
    /// How many devices.
    public var numDevices: Int32?
    /// Device names.
    public var devices: [String]

    /// Creates a configuration.
    public init(name: String?, numDevices: Int32?, devices: [String]) {
        self.name = name
        self.numDevices = numDevices
        self.devices = devices
    }
}
