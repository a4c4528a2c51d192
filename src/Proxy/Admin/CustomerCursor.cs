using Proxy.Customers;

namespace Proxy.Admin;

/// <summary>Where a page of customers ended: its last customer id (customers are listed by id, ordinal). Opaque to
/// clients: base64url of the id. A customer added later lands before or after it, never shifts a page.</summary>
internal readonly record struct CustomerCursor(string CustomerId)
{
    public override string ToString() => CursorText.Encode(CustomerId);

    public static bool TryParse(string? text, out CustomerCursor cursor)
    {
        cursor = default;
        if (!CursorText.TryDecode(text, out var customerId) || !CustomerIds.IsValid(customerId))
        {
            return false;
        }

        cursor = new CustomerCursor(customerId);
        return true;
    }
}
