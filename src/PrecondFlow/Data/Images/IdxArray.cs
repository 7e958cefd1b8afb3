namespace PrecondFlow.Data.Images;

/// <summary>
/// The contents of an IDX file of unsigned bytes: its dimensions and its elements in row-major order
/// (the last dimension varies fastest), e.g. shape (60000, 28, 28) for the 60 000 images of
/// Fashion-MNIST's training set, or (60000) for their labels.
/// </summary>
/// <param name="Shape">The extents, outermost first; their product is <c>Data.Length</c>.</param>
/// <param name="Data">The elements, row-major.</param>
internal sealed record IdxArray(int[] Shape, byte[] Data);
