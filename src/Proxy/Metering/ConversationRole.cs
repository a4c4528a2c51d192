namespace Proxy.Metering;

/// <summary>The <c>role</c> of a <c>ConversationText</c>: whose words its <c>content</c> is.</summary>
internal enum ConversationRole
{
    Unknown,
    User,
    Assistant,
}
