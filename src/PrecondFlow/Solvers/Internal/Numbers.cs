using System.Globalization;

namespace PrecondFlow.Solvers.Internal;

/// <summary>Short, culture-independent renderings of numbers for error messages.</summary>
internal static class Numbers
{
    /// <summary>A time: up to 6 significant digits ("0.4137", "1").</summary>
    public static string Time(double t) => t.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>A step size or tolerance in scientific notation ("3.2e-11", "1e-10").</summary>
    public static string Small(double value) => value.ToString("0.##e+0", CultureInfo.InvariantCulture);

    /// <summary>A shape as "[3, 2]".</summary>
    public static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
