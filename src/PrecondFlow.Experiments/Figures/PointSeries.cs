using static TorchSharp.torch;

namespace PrecondFlow.Reporting;

/// <summary>Turns tensors into chart series.</summary>
public static class PointSeries
{
    /// <summary>The first two coordinates of (n, d ≥ 2) points (at most <paramref name="max"/> of them) as a scatter series.</summary>
    public static Series FromPoints(string name, Tensor points, int max = 5000)
    {
        using var scope = NewDisposeScope();
        var p = points.detach().cpu().to(float64);
        if (p.shape[0] > max)
            p = p.slice(0, 0, max, 1);
        var x = p.select(1, 0).data<double>().ToArray();
        var y = p.shape[1] > 1 ? p.select(1, 1).data<double>().ToArray() : new double[x.Length];
        return new Series(name, x, y);
    }

    /// <summary>The first two coordinates of points given as rows (rows with one coordinate at height 0) as a scatter series.</summary>
    public static Series FromRows(string name, IReadOnlyList<double[]> rows) =>
        new(name, rows.Select(r => r[0]).ToArray(), rows.Select(r => r.Length > 1 ? r[1] : 0).ToArray());

    /// <summary>The first <paramref name="count"/> trajectories of a kept solver trajectory, as (x, y) polylines.</summary>
    public static IReadOnlyList<(double[] X, double[] Y)> Trajectories(IReadOnlyList<Tensor> states, int count)
    {
        var xs = states.Select(s => s.detach().cpu().to(float64)).ToArray();
        int n = (int)Math.Min(count, xs[0].shape[0]);
        var result = new List<(double[], double[])>();
        for (int i = 0; i < n; i++)
        {
            result.Add((xs.Select(s => s[i, 0].item<double>()).ToArray(), xs.Select(s => s[i, 1].item<double>()).ToArray()));
        }
        foreach (var s in xs)
            s.Dispose();
        return result;
    }
}
