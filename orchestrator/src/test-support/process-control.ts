export { isAlive, processesOfUid } from '../drivers/local/process-control.js';
