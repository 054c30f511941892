// The floor of figure 1: a Yeoman generator that writes one file, through the same in-memory file
// system, conflicter and commit as every generator. Nothing to ask, nothing to read.
import Generator from 'yeoman-generator';

export default class FloorGenerator extends Generator {
  constructor(args, options) {
    super(args, options);
    this.argument('name', { type: String, required: false });
  }

  writing() {
    // FLOOR_FILES=n: n one-line files instead, to see what each file costs on its way through Yeoman.
    const count = Number(process.env.FLOOR_FILES ?? 1);
    for (let n = 1; n <= count; n++) this.fs.write(this.destinationPath(`${this.options.name ?? 'floor'}/file-${n}.txt`), `file ${n}\n`);
  }
}
