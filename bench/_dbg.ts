import { readTasks } from './dataset';
import { buildPrompt, NO_MEMORY } from '../src/engine/promptBuilder';
import { promptKit } from './promptIds';
import { requestFor } from '../src/completion/request';
import { qualitySettings } from './quality';
async function main() {
  const kit = await promptKit('models/hearth-coder');
  const tasks = readTasks('../shared/bench/humaneval-infilling/HumanEval-SingleLineInfilling.jsonl.gz').slice(0, 8);
  let memory = NO_MEMORY;
  const settings = qualitySettings();
  for (const task of tasks) {
    const document = { text: task.prompt + task.suffix, offset: task.prompt.length, languageId: 'python', filePath: 'solution.py' };
    const request = requestFor(document, settings, { trigger: 'explicit', mode: 'single' } as any)!;
    const built = buildPrompt(request, kit.fim, kit.tokenizer, 1024, memory);
    memory = built.memory;
    const mid = built.ids.lastIndexOf(kit.tokenizer.specialId('<|fim_middle|>')!);
    console.log(task.task_id, built.middleTokens, built.ids.length, JSON.stringify(kit.tokenizer.decode(built.ids.slice(mid + 1))));
  }
}
main();
