using Google.Protobuf;

namespace PrecondFlow.Interop.Internal;

/// <summary>
/// Builds one protobuf message field by field with Google.Protobuf's <see cref="CodedOutputStream"/>; nested messages are
/// built first and written length-delimited. Enough of the wire format for onnx.proto, no generated code needed.
/// </summary>
internal sealed class ProtoMessage
{
    private readonly MemoryStream buffer = new();
    private readonly CodedOutputStream output;

    public ProtoMessage() => output = new CodedOutputStream(buffer, leaveOpen: true);

    public ProtoMessage Int64(int field, long value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
        return this;
    }

    public ProtoMessage Float(int field, float value)
    {
        output.WriteTag(field, WireFormat.WireType.Fixed32);
        output.WriteFloat(value);
        return this;
    }

    public ProtoMessage String(int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
        return this;
    }

    public ProtoMessage Bytes(int field, byte[] value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public ProtoMessage Message(int field, ProtoMessage value) => Bytes(field, value.ToArray());

    public byte[] ToArray()
    {
        output.Flush();
        return buffer.ToArray();
    }
}
