using static TorchSharp.torch;

namespace PrecondFlow.Data.Toy;

/// <summary>
/// The checkerboard of the flow-matching literature (FFJORD, facebookresearch/flow_matching):
/// the square [−E, E]² (E = <see cref="Extent"/>, 2 by default) cut into a 4×4 grid of cells of side
/// E/2, of which the 8 cells whose column and row indices (counted from the lower-left) have an even
/// sum are filled uniformly; the lower-left cell is filled. The label is the filled cell, numbered
/// 0..7 row by row from the bottom (two per row), so every class is a uniform square.
/// </summary>
public sealed class Checkerboard : ToyDataset
{
    /// <param name="extent">Half the side of the whole board (> 0); the cells have side extent/2.</param>
    public Checkerboard(double extent = 2.0)
    {
        if (!double.IsFinite(extent) || extent <= 0)
            throw new ArgumentOutOfRangeException(nameof(extent), extent, $"The checkerboard's extent must be a finite value > 0, e.g. 2; got {extent}.");
        Extent = extent;
    }

    /// <summary>E: the board covers [−E, E]²; the default 2 gives cells of side 1.</summary>
    public double Extent { get; }

    /// <inheritdoc/>
    public override string Name => "checkerboard";

    /// <summary>8: one class per filled cell.</summary>
    public override int NumClasses => 8;

    /// <summary>The lower-left corner (column, row) of filled cell <paramref name="label"/>, in grid units 0..3.</summary>
    public static (int Column, int Row) Cell(int label)
    {
        if (label is < 0 or > 7)
            throw new ArgumentOutOfRangeException(nameof(label), label, "The checkerboard has 8 filled cells, labelled 0 to 7.");
        var row = label / 2;
        return (2 * (label % 2) + row % 2, row);
    }

    /// <inheritdoc/>
    protected override (Tensor Points, Tensor? Labels) SampleFloat64(long count, Generator generator)
    {
        var device = generator.device;
        var labels = randint(0, 8, [count], ScalarType.Int64, device, generator: generator);
        var row = labels.div(2, rounding_mode: RoundingMode.floor);
        var column = labels.remainder(2) * 2 + row.remainder(2);
        var cell = stack([column, row], dim: 1).to(ScalarType.Float64);
        var within = rand(count, 2, ScalarType.Float64, device, generator: generator);
        var side = Extent / 2;
        return (-Extent + side * (cell + within), labels);
    }
}
