using System.Buffers.Binary;

namespace PrecondFlow.Tests.Reporting;

/// <summary>
/// Reads a TensorBoard event file as TensorBoard does: TFRecord framing (u64 length, masked CRC-32C of the length, the
/// record, masked CRC-32C of the record, all little-endian), each record an <c>Event</c> protobuf.
/// </summary>
internal static class TensorBoardEventFile
{
    public sealed record ScalarEvent(string Tag, long Step, float Value, double WallTime);

    public sealed record ImageEvent(string Tag, long Step, int Width, int Height, byte[] Encoded);

    public sealed record HistogramEvent(string Tag, long Step, double Count, double Min, double Max, double Sum);

    /// <summary>Every record of the file, its CRCs checked; a bad CRC or a truncated record throws, naming the offset.</summary>
    public static IReadOnlyList<Tensorboard.Event> Read(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var events = new List<Tensorboard.Event>();
        int at = 0;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 12)
                throw new InvalidDataException($"{file}: truncated record header at byte {at}.");
            var header = bytes.AsSpan(at, 8);
            var length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)) != MaskedCrc(header))
                throw new InvalidDataException($"{file}: the length CRC of the record at byte {at} does not match.");
            if ((ulong)(bytes.Length - at - 16) < length)
                throw new InvalidDataException($"{file}: the record at byte {at} is truncated.");
            var data = bytes.AsSpan(at + 12, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length, 4)) != MaskedCrc(data))
                throw new InvalidDataException($"{file}: the data CRC of the record at byte {at} does not match.");
            events.Add(Tensorboard.Event.Parser.ParseFrom(data.ToArray()));
            at += 16 + (int)length;
        }
        return events;
    }

    /// <summary>The scalar values of every event file under <paramref name="folder"/>.</summary>
    public static IReadOnlyList<ScalarEvent> Scalars(string folder) =>
        Directory.GetFiles(folder, "events.out.tfevents.*", SearchOption.AllDirectories)
            .SelectMany(Read)
            .Where(e => e.Summary is not null)
            .SelectMany(e => e.Summary.Value
                .Where(v => v.ValueCase == Tensorboard.Summary.Types.Value.ValueOneofCase.SimpleValue)
                .Select(v => new ScalarEvent(v.Tag, e.Step, v.SimpleValue, e.WallTime)))
            .ToArray();

    /// <summary>The images of every event file under <paramref name="folder"/>.</summary>
    public static IReadOnlyList<ImageEvent> Images(string folder) =>
        Values(folder)
            .Where(v => v.Value.Image is not null)
            .Select(v => new ImageEvent(v.Value.Tag, v.Step, v.Value.Image.Width, v.Value.Image.Height, v.Value.Image.EncodedImageString.ToByteArray()))
            .ToArray();

    /// <summary>The histograms of every event file under <paramref name="folder"/>.</summary>
    public static IReadOnlyList<HistogramEvent> Histograms(string folder) =>
        Values(folder)
            .Where(v => v.Value.Histo is not null)
            .Select(v => new HistogramEvent(v.Value.Tag, v.Step, v.Value.Histo.Num, v.Value.Histo.Min, v.Value.Histo.Max, v.Value.Histo.Sum))
            .ToArray();

    private static IEnumerable<(long Step, Tensorboard.Summary.Types.Value Value)> Values(string folder) =>
        Directory.GetFiles(folder, "events.out.tfevents.*", SearchOption.AllDirectories)
            .SelectMany(Read)
            .Where(e => e.Summary is not null)
            .SelectMany(e => e.Summary.Value.Select(v => (e.Step, v)));

    /// <summary>TFRecord's masked CRC-32C: the CRC rotated right by 15 bits plus 0xa282ead8.</summary>
    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(i =>
    {
        var c = (uint)i;
        for (var k = 0; k < 8; k++)
            c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;   // Castagnoli polynomial, reflected
        return c;
    }).ToArray();

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }
}
