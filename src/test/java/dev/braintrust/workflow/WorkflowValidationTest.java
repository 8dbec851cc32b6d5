package dev.braintrust.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkflowValidationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Config ALL_KEYS = Config.fromEnv(Map.of("HOME", "/tmp", "OPENAI_API_KEY", "k1",
            "ANTHROPIC_API_KEY", "k2", "GEMINI_API_KEY", "k3"));
    private static final Config NO_KEYS = Config.fromEnv(Map.of("HOME", "/tmp"));

    private static WorkflowPlan plan(String json, Config config) {
        return WorkflowPlan.of(Workflow.fromJson(parse(json), "test"), config.defaultModel(), new ModelRouter(config.models()));
    }

    private static WorkflowPlan plan(String json) {
        return plan(json, ALL_KEYS);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json.replace('\'', '"'));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String agent(String id, String name) {
        return "{'id':'" + id + "','type':'agentNode','position':{'x':1,'y':2},'data':{'name':'" + name + "','goal':'do " + id + "'}}";
    }

    @Test
    void accepts_the_original_ui_json_and_ignores_extra_fields() {
        WorkflowPlan plan = plan("{'name':'Pair','description':'x','viewport':{'zoom':1},'nodes':[" + agent("a", "Alpha") + ","
                + agent("b", "Beta") + "],'edges':[{'id':'e1','source':'a','target':'b','animated':true}]}");
        assertThat(plan.workflow().name()).isEqualTo("Pair");
        assertThat(plan.order()).extracting(AgentNode::id).containsExactly("a", "b");
        assertThat(plan.upstream().get("b")).containsExactly("a");
        assertThat(plan.routes().get("a").model()).isEqualTo(Config.DEFAULT_MODEL);
        assertThat(plan.sinks()).extracting(AgentNode::id).containsExactly("b");
    }

    @Test
    void names_the_nodes_of_a_cycle() {
        assertThatThrownBy(() -> plan("{'nodes':[" + agent("start", "Start") + "," + agent("a", "Writer") + "," + agent("b", "Editor") + ","
                + agent("c", "Critic") + "],'edges':[{'source':'start','target':'a'},{'source':'a','target':'b'},"
                + "{'source':'b','target':'c'},{'source':'c','target':'a'}]}"))
                .isInstanceOf(BrainTrustException.BadInput.class)
                .hasMessageContaining("cycle")
                .hasMessageContaining("'Writer' (node a) → 'Editor' (node b) → 'Critic' (node c) → 'Writer' (node a)");
    }

    @Test
    void rejects_an_agent_that_depends_on_itself() {
        assertThatThrownBy(() -> plan("{'nodes':[" + agent("a", "Loop") + "],'edges':[{'source':'a','target':'a'}]}"))
                .hasMessageContaining("cycle: 'Loop' (node a) → 'Loop' (node a)");
    }

    @Test
    void rejects_an_edge_to_a_missing_node() {
        assertThatThrownBy(() -> plan("{'nodes':[" + agent("a", "A") + "],'edges':[{'source':'a','target':'ghost'}]}"))
                .isInstanceOf(BrainTrustException.BadInput.class)
                .hasMessageContaining("a → ghost points at 'ghost', which is not a node");
    }

    @Test
    void rejects_duplicate_ids() {
        assertThatThrownBy(() -> plan("{'nodes':[" + agent("a", "A") + "," + agent("a", "Again") + "],'edges':[]}"))
                .hasMessageContaining("the node id 'a' is used by more than one node");
    }

    @Test
    void rejects_a_workflow_without_agent_nodes() {
        assertThatThrownBy(() -> plan("{'nodes':[{'id':'n','type':'note','data':{}}],'edges':[]}"))
                .isInstanceOf(BrainTrustException.BadInput.class)
                .hasMessageContaining("no agent nodes");
        assertThatThrownBy(() -> plan("{'edges':[]}")).hasMessageContaining("no 'nodes' array");
    }

    @Test
    void rejects_a_model_no_provider_serves() {
        assertThatThrownBy(() -> plan("{'nodes':[{'id':'a','data':{'name':'A','goal':'g','model':'llama-70b'}}]}"))
                .hasMessageContaining("'A' (node a) uses the model 'llama-70b', which no provider serves")
                .hasMessageContaining("ollama:<model>");
    }

    @Test
    void names_the_variable_to_set_when_a_provider_has_no_key() {
        WorkflowPlan plan = plan("{'nodes':[{'id':'a','data':{'name':'A','goal':'g','model':'claude-sonnet-4-5'}},"
                + "{'id':'b','data':{'name':'B','goal':'g','model':'gemini-2.0-flash'}},"
                + "{'id':'c','data':{'name':'C','goal':'g','model':'ollama:llama3.2'}},"
                + "{'id':'d','data':{'name':'D','goal':'g','model':'claude-haiku-4-5'}}]}", NO_KEYS);
        assertThat(plan.keyProblems()).hasSize(2);
        assertThatThrownBy(plan::requireKeys)
                .isInstanceOf(BrainTrustException.BadInput.class)
                .hasMessageContaining("Anthropic has no key ('A' (node a) uses claude-sonnet-4-5, 'D' (node d) uses "
                        + "claude-haiku-4-5): set ANTHROPIC_API_KEY")
                .hasMessageContaining("Google Gemini has no key ('B' (node b) uses gemini-2.0-flash): set GEMINI_API_KEY")
                .hasMessageNotContaining("'C'");
    }

    @Test
    void lists_every_problem_at_once() {
        assertThatThrownBy(() -> plan("{'nodes':[" + agent("a", "A") + "," + agent("a", "B") + ",{'id':'c','data':{'name':'C'}}],"
                + "'edges':[{'source':'a','target':'x'}]}"))
                .hasMessageContaining("used by more than one node")
                .hasMessageContaining("points at 'x'")
                .hasMessageContaining("'C' (node c) has no prompt, goal or role");
    }

    @Test
    void rejects_fields_that_are_not_text() {
        assertThatThrownBy(() -> plan("{'nodes':[{'id':'a','data':{'name':42,'goal':'g'}}]}"))
                .hasMessageContaining("node 'a': 'name' must be text");
    }

    @Test
    void ignores_nodes_that_are_not_agents_with_their_edges() {
        WorkflowPlan plan = plan("{'nodes':[" + agent("a", "A") + ",{'id':'note','type':'stickyNote','data':{'text':'hi'}}],"
                + "'edges':[{'source':'a','target':'note'}]}");
        assertThat(plan.order()).extracting(AgentNode::id).containsExactly("a");
        assertThat(plan.notes()).anySatisfy(n -> assertThat(n).contains("'note' has type 'stickyNote'"));
    }

    @Test
    void orders_a_diamond_upstream_first_in_file_order() {
        WorkflowPlan plan = plan("{'nodes':[" + agent("d", "D") + "," + agent("c", "C") + "," + agent("b", "B") + "," + agent("a", "A")
                + "],'edges':[{'source':'a','target':'b'},{'source':'a','target':'c'},{'source':'b','target':'d'},{'source':'c','target':'d'}]}");
        assertThat(plan.order()).extracting(AgentNode::id).containsExactly("a", "c", "b", "d");
        assertThat(plan.upstream().get("d")).containsExactly("b", "c");
    }

    @Test
    void the_bundled_editorial_pipeline_validates() throws IOException {
        JsonNode json;
        try (InputStream in = getClass().getResourceAsStream("/examples/workflows/editorial-pipeline.json")) {
            json = JSON.readTree(in);
        }
        WorkflowPlan plan = WorkflowPlan.of(Workflow.fromJson(json, "editorial-pipeline"), "gpt-4o-mini",
                new ModelRouter(ALL_KEYS.models()));
        assertThat(plan.workflow().name()).isEqualTo("Editorial pipeline");
        assertThat(plan.order()).hasSize(7);
        assertThat(plan.order().get(plan.order().size() - 1).id()).isEqualTo("final-editor");
        assertThat(plan.upstream().get("final-editor")).containsExactlyInAnyOrder("reader-skeptic", "reader-newcomer", "reader-busy", "editor");
    }

    @Test
    void routes_models_by_name() {
        assertThat(ModelRouter.route("gpt-4o").orElseThrow().provider()).isEqualTo(Provider.OPENAI);
        assertThat(ModelRouter.route("o1-mini").orElseThrow().provider()).isEqualTo(Provider.OPENAI);
        assertThat(ModelRouter.route("o3").orElseThrow().provider()).isEqualTo(Provider.OPENAI);
        assertThat(ModelRouter.route("o4-mini").orElseThrow().provider()).isEqualTo(Provider.OPENAI);
        assertThat(ModelRouter.route("claude-3-5-haiku-latest").orElseThrow().provider()).isEqualTo(Provider.ANTHROPIC);
        assertThat(ModelRouter.route("anthropic/sonnet-4").orElseThrow().provider()).isEqualTo(Provider.ANTHROPIC);
        assertThat(ModelRouter.route("my-opus").orElseThrow().provider()).isEqualTo(Provider.ANTHROPIC);
        assertThat(ModelRouter.route("gemini-2.5-pro").orElseThrow().provider()).isEqualTo(Provider.GEMINI);
        ModelRoute ollama = ModelRouter.route("ollama:qwen2.5:7b").orElseThrow();
        assertThat(ollama.provider()).isEqualTo(Provider.OLLAMA);
        assertThat(ollama.providerModel()).isEqualTo("qwen2.5:7b");
        assertThat(ModelRouter.route("ollama:")).isEmpty();
        assertThat(ModelRouter.route("mistral-large")).isEmpty();
    }

    @Test
    void openai_compatible_servers_need_no_key() {
        Config compatible = Config.fromEnv(Map.of("HOME", "/tmp", "OPENAI_BASE_URL", "http://127.0.0.1:9/v1"));
        assertThat(new ModelRouter(compatible.models()).missingKey(ModelRouter.route("gpt-4o").orElseThrow())).isNull();
        assertThat(new ModelRouter(NO_KEYS.models()).missingKey(ModelRouter.route("gpt-4o").orElseThrow()))
                .contains("OPENAI_API_KEY");
    }
}
