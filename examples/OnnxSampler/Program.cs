using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OnnxSampler;

/// <summary>
/// Draws samples from a main flow exported with `precondflow export --format onnx`, with ONNX Runtime alone: the
/// classical Runge–Kutta method (RK4) integrates dx/dt = v(x, t) from t = 0 to t = 1, starting from the points of a CSV
/// file (one point per row, an optional header). With the same start points and steps it reproduces
/// `precondflow sample --from START.csv --solver rk4 --ode-steps STEPS` of an unconditional model without preconditioner
/// (the ONNX graph holds the main flow only; P⁻¹ is not applied).
/// <code>dotnet run --project examples/OnnxSampler -c Release -- model.onnx start.csv 100 samples.csv</code>
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length != 4 || !int.TryParse(args[2], out var steps) || steps < 1)
        {
            Console.Error.WriteLine("usage: OnnxSampler MODEL.onnx START.csv STEPS OUT.csv   (STEPS: RK4 steps from t = 0 to 1, at least 1)");
            return 1;
        }
        var (points, dim) = ReadCsv(args[1]);
        using var session = new InferenceSession(args[0]);
        var end = Integrate(session, points, dim, steps);
        File.WriteAllLines(args[3], Enumerable.Range(0, end.Length / dim)
            .Select(i => string.Join(",", end.Skip(i * dim).Take(dim).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        Console.WriteLine($"wrote {end.Length / dim} samples to {args[3]}");
        return 0;
    }

    /// <summary>RK4 from t = 0 to 1 in <paramref name="steps"/> equal steps; the state is float32, as the network's,
    /// and the step arithmetic is the one PrecondFlow's Rk4Solver does.</summary>
    public static float[] Integrate(InferenceSession session, float[] x0, int dim, int steps)
    {
        var x = x0;
        for (var i = 0; i < steps; i++)
        {
            // Times from the step index, so that the last one is exactly 1.
            double t = (double)i / steps, tNext = i + 1 == steps ? 1.0 : (double)(i + 1) / steps;
            double h = tNext - t, half = 0.5 * h;
            var k1 = Velocity(session, x, dim, t);
            var k2 = Velocity(session, Axpy(x, half, k1), dim, t + half);
            var k3 = Velocity(session, Axpy(x, half, k2), dim, t + half);
            var k4 = Velocity(session, Axpy(x, h, k3), dim, t + h);
            var next = new float[x.Length];
            for (var j = 0; j < x.Length; j++)
                next[j] = x[j] + (float)(h / 6.0) * (k1[j] + 2f * k2[j] + 2f * k3[j] + k4[j]);
            x = next;
        }
        return x;
    }

    private static float[] Velocity(InferenceSession session, float[] x, int dim, double t)
    {
        var n = x.Length / dim;
        var times = Enumerable.Repeat((float)t, n).ToArray();
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [n, dim])),
            NamedOnnxValue.CreateFromTensor("t", new DenseTensor<float>(times, [n, 1])),
        ]);
        return results.Single(r => r.Name == "output").AsTensor<float>().ToArray();
    }

    private static float[] Axpy(float[] x, double a, float[] y)
    {
        var result = new float[x.Length];
        for (var j = 0; j < x.Length; j++)
            result[j] = x[j] + (float)a * y[j];
        return result;
    }

    private static (float[] Points, int Dim) ReadCsv(string file)
    {
        var rows = File.ReadLines(file).Where(l => l.Trim().Length > 0).ToList();
        if (rows.Count > 0 && !float.TryParse(rows[0].Split(',')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            rows.RemoveAt(0);   // a header
        var values = rows.Select(r => r.Split(',').Select(v => float.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray()).ToList();
        if (values.Count == 0 || values.Any(v => v.Length != values[0].Length))
            throw new InvalidDataException($"{file}: expected rows of the same number of comma-separated values.");
        return (values.SelectMany(v => v).ToArray(), values[0].Length);
    }
}
