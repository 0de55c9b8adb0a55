import { createMemoryNotifier } from './memory.js';
import { runNotifierContract } from './notifier.contract.js';

runNotifierContract(() => createMemoryNotifier());
