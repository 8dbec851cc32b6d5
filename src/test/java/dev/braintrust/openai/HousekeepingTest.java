package dev.braintrust.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which requests are a front-end's housekeeping (one plain model call) and which are the user's (a run). */
class HousekeepingTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static ChatRequest request(String json) throws Exception {
        return ChatRequest.parse(JSON.readTree(json));
    }

    @Test
    void a_question_about_titles_from_the_user_is_not_housekeeping() throws Exception {
        assertThat(Housekeeping.isHousekeeping(request("""
                {"model": "brain-trust", "messages": [{"role": "user", "content": "Suggest a concise title for my essay on tides"}]}""")))
                .isFalse();
        assertThat(Housekeeping.isHousekeeping(request("""
                {"model": "brain-trust", "messages": [{"role": "user", "content": "### Task: plan my week"}]}"""))).isFalse();
    }

    @Test
    void a_task_template_earlier_in_the_conversation_does_not_make_the_next_message_housekeeping() throws Exception {
        assertThat(Housekeeping.isHousekeeping(request("""
                {"model": "brain-trust", "messages": [
                  {"role": "user", "content": "Provide a concise, 5-word-or-less title for the conversation"},
                  {"role": "assistant", "content": "Tides"},
                  {"role": "user", "content": "Now write the essay"}]}"""))).isFalse();
    }

    @Test
    void recognises_open_webui_and_librechat_templates_and_the_task_marker() throws Exception {
        assertThat(Housekeeping.isHousekeeping(request("""
                {"model": "x", "messages": [{"role": "user", "content": "### Task:\\nSuggest 3-5 follow-up questions\\n<chat_history>\\nUSER: hi\\n</chat_history>"}]}""")))
                .isTrue();
        assertThat(Housekeeping.isHousekeeping(request("""
                {"model": "x", "messages": [{"role": "system", "content": "Analyze this conversation and provide:\\n1. The detected language of the conversation\\n2. A concise title in the detected language"},
                                            {"role": "user", "content": "User: hi"}]}"""))).isTrue();
        assertThat(Housekeeping.isHousekeeping(request("""
                {"model": "x", "metadata": {"task": "title_generation"}, "messages": [{"role": "user", "content": "hi"}]}"""))).isTrue();
    }

    @Test
    void reads_developer_messages_as_system_and_keeps_only_text_parts() throws Exception {
        ChatRequest r = request("""
                {"model": "brain-trust", "messages": [{"role": "developer", "content": "Be terse."},
                  {"role": "user", "content": [{"type": "text", "text": "Look: "}, {"type": "image_url", "image_url": {"url": "data:x"}}]}]}""");
        assertThat(r.turns().get(0).role()).isEqualTo("system");
        assertThat(r.lastUserText()).isEqualTo("Look: [image_url left out: Brain Trust passes text only]");
        assertThat(Completions.instructions(r.turns())).isEqualTo("Be terse.");
        assertThat(Completions.task(r.turns())).isEqualTo(r.lastUserText());
    }
}
