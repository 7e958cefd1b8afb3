using System.Diagnostics;

namespace PrecondFlow.Tests.Interop;

/// <summary>Finds a Python 3 with PyTorch (or ONNX) and runs scripts with it. $PRECONDFLOW_PYTHON wins; otherwise the first
/// of `python3` on the PATH and Debian's system interpreter that imports the module (CI installs python3-torch and
/// python3-onnx from Debian).</summary>
internal static class PythonInterpreter
{
    public const string Variable = "PRECONDFLOW_PYTHON";

    public static string WithModule(string module)
    {
        var candidates = new[] { Environment.GetEnvironmentVariable(Variable), "python3", "/usr/bin/python3" };
        foreach (var candidate in candidates.OfType<string>().Where(c => c.Length > 0))
        {
            if (Run(candidate, TimeSpan.FromMinutes(1), "-c", $"import {module}").ExitCode == 0)
                return candidate;
        }
        throw new InvalidOperationException(
            $"No Python 3 with the module '{module}' was found (tried ${Variable}, python3, /usr/bin/python3). On Debian: " +
            $"apt-get install python3-{module}; or set {Variable} to an interpreter that has it.");
    }

    public static (int ExitCode, string Output) Run(string python, TimeSpan limit, params string[] args)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"{python} ran longer than {limit}");
            }
            return (process.ExitCode, output.Result + error.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    /// <summary>The repository's root (the folder of PrecondFlow.slnx), found above the test's folder.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "PrecondFlow.slnx")))
                return folder.FullName;
        throw new InvalidOperationException("The repository root (PrecondFlow.slnx) was not found above the test folder.");
    }
}
