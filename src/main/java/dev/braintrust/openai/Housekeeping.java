package dev.braintrust.openai;

import dev.braintrust.workflow.ChatTurn;

import java.util.List;
import java.util.Locale;

/**
 * Recognises the side requests chat front-ends send to the chat's own model to name a conversation,
 * tag it or suggest follow-ups. They are answered by one plain model call, not an agent run or a
 * workflow run (which would cost a run, and journal it, for every new chat).
 *
 * <ul>
 *   <li>Open WebUI: its task templates (title, tags, follow-ups, search queries, emoji) start with
 *       {@code ### Task:} and quote the chat in {@code <chat_history>}; older versions asked for "a
 *       concise, 3-5 word phrase as a title". Its own requests may also carry {@code metadata.task}.</li>
 *   <li>LibreChat: "a concise, 5-word-or-less title for the conversation", the structured "Analyze this
 *       conversation and provide: ... detected language ... concise title", and the assistants' "concise
 *       title (max 40 characters) for a conversation".</li>
 * </ul>
 */
final class Housekeeping {
    private Housekeeping() {
    }

    static boolean isHousekeeping(ChatRequest request) {
        if (request.task() != null && !request.task().isBlank()) {
            return true;
        }
        List<ChatTurn> turns = request.turns();
        for (int i = 0; i < turns.size(); i++) {
            ChatTurn turn = turns.get(i);
            boolean last = i == turns.size() - 1;
            if ((last || turn.role().equals(ChatTurn.SYSTEM)) && isHousekeepingPrompt(turn.text())) {
                return true;
            }
        }
        return false;
    }

    static boolean isHousekeepingPrompt(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        return (t.startsWith("### task:") && t.contains("<chat_history>"))
                || t.contains("concise, 3-5 word phrase as a title")
                || t.contains("5-word-or-less title")
                || (t.contains("analyze this conversation and provide") && t.contains("detected language")
                && t.contains("concise title"))
                || t.contains("concise title (max 40 characters) for a conversation");
    }
}
