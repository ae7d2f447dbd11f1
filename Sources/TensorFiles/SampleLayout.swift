/// How samples are laid out on disk.
public enum SampleLayout: String, Sendable, CaseIterable {
    /// Decide from what is at the path (see `SampleDataset.open`).
    case automatic
    /// A folder of `.npz` files, one sample each, arrays keyed by input name.
    case npzFolder
    /// One `.npz` whose arrays stack the samples along axis 0 (ModelOpt style).
    case stackedNpz
    /// A folder of per-sample folders, each holding `<input>.npy` (or `<input>.pb`).
    case npyFolders
    /// ONNX test data: `test_data_set_N/input_K.pb` folders.
    case onnxTestData
    /// One sample: a single `.npz`, a single `.npy`/`.pb`, or one folder of `<input>.npy` or `input_K.pb` files.
    case singleSample
}
