using System.Buffers.Text;
using System.Text;
using Proxy.Customers;

namespace Proxy.Admin;

/// <summary>Where a page of customers ended: its last customer id (customers are listed by id, ordinal). Opaque to
/// clients: base64url of the id. A customer added later lands before or after it, never shifts a page.</summary>
internal readonly record struct CustomerCursor(string CustomerId)
{
    public override string ToString() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(CustomerId));

    public static bool TryParse(string? text, out CustomerCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 128)
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
        }
        catch (FormatException)
        {
            return false;
        }

        if (!CustomerIds.IsValid(decoded))
        {
            return false;
        }

        cursor = new CustomerCursor(decoded);
        return true;
    }
}
